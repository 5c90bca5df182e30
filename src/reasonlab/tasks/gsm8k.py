"""``gsm8k``: grade-school math word problems from local JSONL files (GSM8K's format).

Each line holds ``{"question": ..., "answer": "... reasoning ...\\n#### 42"}`` (field names are
configurable). ``path`` is a folder with ``train.jsonl`` (and ``test.jsonl``, optionally
``dev.jsonl``) or one ``.jsonl`` file used as the train split. Nothing is downloaded: bring the
files. The prompt is the question plus the SPO thesis's instruction (docs/origins.md); the gold
completion is the dataset's answer text (reasoning, then ``#### <number>``), the canonical answer
``#### <number>``; ``verify`` compares the final answer as an exact number
(:mod:`reasonlab.rewards.final_answer`), not by the thesis's substring test.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from ..config import ConfigError
from ..rewards.final_answer import FINAL_ANSWER_REWARDS, final_answer, score_final_number
from ..validation import InputError, Seed, StrictConfig, parse_json, read_text
from . import register
from .base import AnswerKey, Example, Score, Task

NAME = "gsm8k"
GROUP = 1000  # lines per generation group
INSTRUCTION = "Solve this step by step. Write your final numerical answer after #### on a new line."


class GSM8KKey(AnswerKey):
    """Only the reward mode: the gold number is the canonical answer ``#### <number>``."""

    MODES: ClassVar[tuple[str, ...]] = FINAL_ANSWER_REWARDS


class GSM8KConfig(StrictConfig):
    task: Literal["gsm8k"] = NAME
    path: str = Field(description="a folder with train.jsonl/test.jsonl, or one .jsonl file")
    question_field: str = "question"
    answer_field: str = "answer"
    instruction: str = INSTRUCTION
    system: str = ""
    limit: int | None = Field(None, ge=1, description="at most this many items per split")
    seed: Seed = 0


def _file(config: GSM8KConfig, split: str) -> Path | None:
    p = Path(config.path)
    if p.is_file():
        return p if split == "train" else None
    f = p / f"{split}.jsonl"
    return f if f.is_file() else None


@lru_cache(maxsize=8)
def _rows(path: str, question: str, answer: str) -> tuple[tuple[str, str], ...]:
    out = []
    for i, line in enumerate(read_text(path, "GSM8K file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = parse_json(line, f"{path}, line {i}")
            out.append((str(row[question]), str(row[answer])))
        except (InputError, KeyError, TypeError) as e:
            raise ConfigError(f"{path}, line {i}: not a JSON object with fields {question!r} and "
                              f"{answer!r} ({e}); fix the line or set question_field/answer_field") from None
    return tuple(out)


def _split_rows(config: GSM8KConfig, split: str) -> tuple[tuple[str, str], ...]:
    f = _file(config, split)
    if f is None:
        if split == "train" and not Path(config.path).exists():
            raise ConfigError(f"field path = {config.path!r} does not exist; give a GSM8K-style "
                              "folder (train.jsonl, test.jsonl) or .jsonl file")
        return ()
    rows = _rows(str(f), config.question_field, config.answer_field)
    return rows[: config.limit] if config.limit else rows


def groups(config: GSM8KConfig, split: str) -> int:
    return -(-len(_split_rows(config, split)) // GROUP)


def generate_group(config: GSM8KConfig, split: str, group: int) -> list[Example]:
    rows = _split_rows(config, split)[group * GROUP : (group + 1) * GROUP]
    out, key = [], GSM8KKey()
    for j, (question, answer) in enumerate(rows):
        index = group * GROUP + j
        gold = final_answer(answer)
        if gold is None:
            raise ConfigError(f"{_file(config, split)}: item {index} has no '#### <answer>' line "
                              "in its answer field")
        out.append(Example(id=f"{NAME}-{split}-{index:06d}", task=NAME, split=split,
                           prompt=f"{question}\n{config.instruction}", answer=f"#### {gold}",
                           completion=answer, system=config.system, answer_key=key,
                           meta={"index": index, "seed": config.seed}))
    return out


def verify(example: Example, text: str, reward: str | None = None) -> Score:
    """The final number of ``text`` against the example's, under reward mode ``reward`` (None:
    the dataset's)."""
    key = GSM8KKey.of(example)
    gold = final_answer(example.answer) or example.answer
    return score_final_number(text, gold, key.mode(reward))


TASK = Task(name=NAME, config=GSM8KConfig, generate_group=generate_group, groups=groups,
            verify=verify, answer_key=GSM8KKey, planned=lambda c, split: len(_split_rows(c, split)),
            describe="GSM8K-style word problems from local JSONL (#### answers, exact numeric "
                     "comparison)")

register(TASK)
