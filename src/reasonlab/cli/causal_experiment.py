"""``causal-experiment``: the seed project's command line, mapped onto reasonlab.

    causal-experiment --generate [-o '1,1,1,1,1;0,0,0,0,0'] [--dataset-dir dataset]
    causal-experiment --train
    causal-experiment --test '1,0,1,0,1'

``--generate`` writes ``dataset/train.jsonl`` (20,000), ``valid.jsonl`` and ``test.jsonl``
(2,000 each) in the seed's exact format (``{"prompt": ..., "completion": ...}`` per line), from
the ``boolean_world`` task with the seed's world and defaults; the omitted inputs never appear
in train or valid and open the test split. Logs go to ``logs/`` (loguru, rotation 100 MB,
retention 10 days), as in the seed. ``--test`` prints the rule-computed answer; ``--train`` and
the model half of ``--test`` need reasonlab's training pipeline, which has not landed yet.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from loguru import logger

from ..config import ConfigError
from ..tasks import get_task
from ..tasks.boolean_world import BooleanWorldConfig, resolve_world
from ..tasks.boolean_world.task import _completion, bits, fmt, seed_format

SPLIT_FILES = {"train": "train.jsonl", "dev": "valid.jsonl", "test": "test.jsonl"}
MODEL_DIR = Path("out/tiny-gpt2-causal/final")


def _logging(log_dir: Path) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    logger.add(log_dir / "causal_experiment_{time}.log", rotation="100 MB", retention="10 days",
               level="DEBUG")


def generate(omit: str, out: Path, seed: int) -> dict[str, Path]:
    """The seed's three files, written to a staging folder and moved into place together."""
    config = BooleanWorldConfig(seed=seed, omit=omit)
    task = get_task("boolean_world")
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
    """The rule-computed completion for an input (the seed's ``manual_test``)."""
    world = resolve_world(BooleanWorldConfig())
    try:
        value = bits(sequence)
    except ValueError:
        value = ()
    if len(value) != len(world.inputs) or set(value) - {0, 1}:
        raise ConfigError(f"--test {sequence!r}: give {len(world.inputs)} comma-separated bits "
                          f"({', '.join(world.inputs)}), e.g. '1,0,1,0,1'")
    env = world.run(dict(zip(world.inputs, value, strict=True)))
    return _completion(world, env)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="causal-experiment", description=__doc__.splitlines()[0])
    ap.add_argument("--generate", action="store_true", help="write dataset/{train,valid,test}.jsonl")
    ap.add_argument("-o", "--omit", default="", help="inputs kept out of train/valid, ';'-separated")
    ap.add_argument("--dataset-dir", type=Path, default=Path("dataset"))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--train", action="store_true", help="train the tiny GPT-2 (needs training)")
    ap.add_argument("--test", metavar="SEQUENCE", help="answer for an input, e.g. '1,0,1,0,1'")
    ap.add_argument("--log-dir", type=Path, default=Path("logs"))
    args = ap.parse_args(argv)
    if not (args.generate or args.train or args.test):
        ap.print_help()
        return 2
    _logging(args.log_dir)
    try:
        if args.generate:
            for split, path in generate(args.omit, args.dataset_dir, args.seed).items():
                n = sum(1 for _ in path.open(encoding="utf-8"))
                print(f"wrote {path} ({n} {split} examples)")
            if args.omit:
                print(f"held out of train/valid (first in test): {args.omit}")
        if args.test:
            completion = manual_test(args.test)
            print(f"input      {args.test}\nrules say  {fmt(bits(completion.split()[0]))} | "
                  f"{completion.strip().splitlines()[1]}")
            print(f"model      needs a trained model in {MODEL_DIR}/: training lands with "
                  "reasonlab's SFT pipeline (not available yet)", file=sys.stderr)
            return 2
        if args.train:
            print("error: --train needs reasonlab's training pipeline (models, tokenizers, SFT), "
                  "which has not landed yet; the dataset part works: causal-experiment --generate",
                  file=sys.stderr)
            return 2
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def run() -> None:
    sys.exit(main())
