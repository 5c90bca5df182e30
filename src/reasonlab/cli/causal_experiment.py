"""``causal-experiment``: the original causal-experiment project's command line, on reasonlab.

    causal-experiment --generate [-o '1,1,1,1,1;0,0,0,0,0'] [--dataset-dir dataset]
    causal-experiment --train
    causal-experiment --test '1,0,1,0,1'

``--generate`` writes ``dataset/train.jsonl`` (20,000), ``valid.jsonl`` and ``test.jsonl``
(2,000 each) in the original's exact format (``{"prompt": ..., "completion": ...}`` per line), from
the ``boolean_world`` task with the original world and defaults; the omitted inputs never appear
in train or valid and open the test split. ``--train`` runs ``reasonlab train sft`` on those
files with the original model and hyperparameters (our character tokenizer, completion-only loss;
stops once every dev and held-out input is right three evals running) into
``out/tiny-gpt2-causal/``. ``--test`` prints the rules' answer and the model's side by side.
Logs go to ``logs/`` (loguru, rotation 100 MB, retention 10 days), as in the original. What the
original did and what changed: docs/origins.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from loguru import logger
from pydantic import ValidationError

from ..tasks import get_task
from ..tasks.boolean_world import BooleanWorldConfig, resolve_world
from ..tasks.boolean_world.task import rule_answer, seed_format
from ..validation import InputError, check_seed
from . import user_message

SPLIT_FILES = {"train": "train.jsonl", "dev": "valid.jsonl", "test": "test.jsonl"}
MODEL_DIR = Path("out/tiny-gpt2-causal/final")


def _logging(log_dir: Path) -> int:
    """Add this run's log file (in ``log_dir``); returns the loguru handler id."""
    log_dir.mkdir(parents=True, exist_ok=True)
    return logger.add(log_dir / "causal_experiment_{time}.log", rotation="100 MB", retention="10 days",
                      level="DEBUG")


def generate(omit: str, out: Path, seed: int) -> dict[str, Path]:
    """The original's three files, written to a staging folder and moved into place together."""
    config = BooleanWorldConfig(seed=seed, omit=omit)
    task = get_task("boolean_world")
    task.groups(config, "train")  # checks the omitted inputs before any folder is made
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    written = {}
    try:
        for split, name in SPLIT_FILES.items():
            lines = [seed_format(e) + "\n" for e in task.iter_split(config, split)]
            (staging / name).write_text("".join(lines), encoding="utf-8")
            logger.info(f"{len(lines)} {split} examples -> {out / name}")
        for split, name in SPLIT_FILES.items():
            (staging / name).replace(out / name)
            written[split] = out / name
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def manual_test(sequence: str) -> str:
    """The rule-computed completion for an input (the original's ``manual_test``)."""
    return rule_answer(resolve_world(BooleanWorldConfig()), sequence)


def train(dataset: Path, seed: int) -> Path:
    """The original training run (tiny GPT-2 128/4/4, 3 epochs, lr 5e-4, batch 16) on the files
    ``--generate`` wrote, through ``reasonlab train sft``; the model lands in
    ``out/tiny-gpt2-causal/final/`` as in the original."""
    from ..train.sft import SFTConfig, train_sft

    cfg = SFTConfig(name=MODEL_DIR.parent.name, run_dir=str(MODEL_DIR.parent.parent), seed=seed,
                    data={"path": str(dataset), "format": "causal-experiment"},
                    model={"n_embd": 128, "n_layer": 4, "n_head": 4, "n_positions": 64},
                    batch_size=16, epochs=3, optim={"lr": 5e-4, "warmup_steps": 50},
                    eval_every=100, stop_when_perfect=3)
    return train_sft(cfg, overwrite=True)  # the original tool retrained in place


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="causal-experiment", description=__doc__.splitlines()[0])
    ap.add_argument("--generate", action="store_true", help="write dataset/{train,valid,test}.jsonl")
    ap.add_argument("-o", "--omit", default="", help="inputs kept out of train/valid, ';'-separated")
    ap.add_argument("--dataset-dir", type=Path, default=Path("dataset"))
    ap.add_argument("--seed", type=int, default=42, help="random seed, 0 <= seed < 2**63")
    ap.add_argument("--train", action="store_true", help="train the tiny GPT-2 on dataset/")
    ap.add_argument("--test", metavar="SEQUENCE", help="answer for an input, e.g. '1,0,1,0,1'")
    ap.add_argument("--log-dir", type=Path, default=Path("logs"))
    return ap


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the flags given; user errors (a bad flag value, input, file or folder) are one
    ``error: ...`` line on stderr and exit status 2, never a traceback."""
    ap = _parser()
    args = ap.parse_args(argv)
    if not (args.generate or args.train or args.test is not None):
        ap.print_help()
        return 2
    handler = None
    try:
        check_seed(args.seed, "--seed")
        handler = _logging(args.log_dir)
        return _run(args)
    except (InputError, ValidationError, OSError) as e:
        return _fail(user_message(e))
    except KeyboardInterrupt:
        print("aborted", file=sys.stderr)
        return 130
    finally:
        if handler is not None:
            logger.remove(handler)


def _run(args: argparse.Namespace) -> int:
    if args.generate:
        for split, path in generate(args.omit, args.dataset_dir, args.seed).items():
            n = sum(1 for _ in path.open(encoding="utf-8"))
            print(f"wrote {path} ({n} {split} examples)")
        if args.omit:
            print(f"held out of train/valid (first in test): {args.omit}")
    if args.train:
        root = train(args.dataset_dir, args.seed)
        print(f"trained: {root / 'final'}/")
    if args.test is not None:
        manual_test(args.test)  # validates the input
        if not (MODEL_DIR / "config.json").is_file():
            return _fail(f"no trained model in {MODEL_DIR}/; run causal-experiment --train first")
        from .evaluate import compare_run, print_comparison

        rules, said, fields = compare_run(MODEL_DIR, args.test)
        print_comparison(args.test, rules, said, fields)
    return 0


def run() -> None:
    sys.exit(main())
