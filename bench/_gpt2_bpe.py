"""The GPT-2 BPE vocabulary for the causal-experiment project's SFT recipe (docs/origins.md), from
a package on the registry.

That recipe trained with ``GPT2TokenizerFast.from_pretrained("gpt2")``, a hub download, which this
project never does. The same two files (``vocab.json``, ``merges.txt``: 50,257 tokens) ship inside
PyPI's ``openai-whisper==20230124`` source archive (``whisper/assets/gpt2/``). ``make bench`` runs
this script once, at set-up time: it fetches that archive from PyPI, checks its pinned sha256 and
unpacks the tokenizer files to ``.cache/gpt2-bpe`` (atomically). The benches then read them
offline. ``pip download`` cannot fetch this archive (it insists on building its metadata, which
needs the removed ``pkg_resources``), hence the plain fetch.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

URL = ("https://files.pythonhosted.org/packages/00/c6/fb251c4f7de1c78753a2d54d6aaf1a859ddc3797ed4"
       "d6003f15866f4c4a4/openai-whisper-20230124.tar.gz")
SHA256 = "31adf9353bf0e3f891b6618896f22c65cf78cd6f845a4d5b7125aa5102187f79"
MEMBER = "openai-whisper-20230124/whisper/assets/gpt2/"
FILES = ("vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json")
DIR = Path(__file__).parents[1] / ".cache" / "gpt2-bpe"


def present(folder: Path = DIR) -> bool:
    return all((folder / f).is_file() for f in FILES)


def fetch(folder: Path = DIR) -> Path:
    """Download, verify and unpack the vocabulary unless it is already there."""
    if present(folder):
        return folder
    with urllib.request.urlopen(URL, timeout=120) as r:
        blob = r.read()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"error: {URL} has sha256 {digest}, expected {SHA256}; not unpacked")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".gpt2-bpe-"))
    tmp.chmod(0o755)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for name in FILES:
            src = tar.extractfile(MEMBER + name)
            (tmp / name).write_bytes(src.read())
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    return folder


if __name__ == "__main__":
    print(f"GPT-2 BPE vocabulary in {fetch()}", file=sys.stderr)
