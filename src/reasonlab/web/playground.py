"""The boolean-world playground: for one input (ticked, or typed with do(...) or a
counterfactual, up the ladder), the rules' answer beside the model's greedy answer field by
field, with attention heads ablated on request and the attention pattern of the answer drawn.

Everything goes through the library: the world from the run's task config, the rules' answer
from :func:`reasonlab.tasks.boolean_world.prompts.prompt_answer`, the model through
:mod:`reasonlab.interp`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from pydantic import ValidationError

from ..config import ConfigError
from ..interp import ablate, attention
from ..models.encoding import text_ids
from ..tasks.boolean_world import BooleanWorldConfig, World, resolve_world
from ..tasks.boolean_world.prompts import prompt_answer
from ..tasks.boolean_world.task import parse_completion
from ..validation import describe
from .catalog import Run


@dataclass(frozen=True)
class Field:
    name: str
    rules: int | None
    model: int | None

    @property
    def ok(self) -> bool:
        return self.rules == self.model


@dataclass(frozen=True)
class Answer:
    prompt: str
    rules: str
    model: str
    fields: list[Field]
    attention: object  # (L, H, T, T) numpy array, or None when not drawn
    tokens: list[str]

    @property
    def exact(self) -> bool:
        return all(f.ok for f in self.fields)


def world_of(run: Run) -> World:
    task = run.task()
    if not task or task.get("task") != "boolean_world":
        raise ConfigError(f"run {run.name!r} was not trained on a boolean world; the playground "
                          "needs a boolean_world run")
    try:
        return resolve_world(BooleanWorldConfig(**task))
    except ValidationError as e:  # a run config from another version: say so, do not crash
        raise ConfigError(f"run {run.name!r}: its task config does not load "
                          f"({describe(e, 'task')})") from None


def _pad(values: Sequence[int], n: int) -> list[int | None]:
    kept = list(values[:n])
    return [*kept, *([None] * (n - len(kept)))]


def _fields(world: World, text: str) -> list[int | None]:
    outs, summary, _ = parse_completion(text, len(world.outputs), world.separator)
    return [*_pad(outs or [], len(world.outputs)), *_pad(summary or [], len(world.summary))]


@torch.no_grad()
def _greedy(model, tok, ids: list[int], max_new_tokens: int) -> str:
    x = torch.tensor([ids])
    out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=False,
                         max_new_tokens=max_new_tokens, pad_token_id=tok.pad_token_id,
                         eos_token_id=tok.eos_token_id)
    return tok.decode(out[0, len(ids):], skip_special_tokens=True)


def answer(model, tok, lock, world: World, inputs: str, heads: Sequence[tuple[int, int]] = (),
           max_new_tokens: int = 32, draw: bool = True) -> Answer:
    """The rules' and the model's answers for ``inputs``, a prompt on any rung
    (``'1,0,1,0,1'``, ``'1,0,1,0,1 do(newB=0)'``, ``'1,0,1,0,1 -> 0,1,0,1 do(newB=0)'``);
    ``draw``: the attention pattern over input and answer too."""
    rules = prompt_answer(world, inputs)
    ids = text_ids(tok, inputs)
    with lock, ablate(model, heads=heads):
        model_text = _greedy(model, tok, ids, max_new_tokens)
        full = ids + tok(model_text, add_special_tokens=False)["input_ids"]
        att = attention(model, torch.tensor([full]))[:, 0].numpy() if draw else None
    names = [*world.outputs, *world.summary]
    fields = [Field(n, r, m) for n, r, m in zip(names, _fields(world, rules), _fields(world, model_text),
                                                  strict=True)]
    tokens = [tok.decode([i]).replace("\n", "\\n") or "<bos>" for i in full]
    return Answer(inputs, rules, model_text, fields, att, tokens)
