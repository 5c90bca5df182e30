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
from ..interp import WeightEdit, ablate, anatomy, attention, edited_generate, greedy, logit_lens
from ..interp.activations import next_token_logprobs
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
class Manipulation:
    """What to change for the next answer: heads and MLP neurons ablated (zeroed), and a weight
    edit from a generation step on (applied by the cache-free decoding loop of
    :func:`reasonlab.interp.edited_generate`)."""

    heads: tuple[tuple[int, int], ...] = ()
    neurons: tuple[tuple[int, int], ...] = ()
    edit: WeightEdit | None = None


@dataclass(frozen=True)
class HeadEffect:
    layer: int
    head: int
    text: str
    fields_right: int


@dataclass(frozen=True)
class Answer:
    prompt: str
    rules: str
    model: str
    fields: list[Field]
    attention: object  # (L, H, T, T) numpy array, or None when not drawn
    tokens: list[str]
    lens: object = None  # (L + 1, answer tokens) p(the token written), or None
    answer_tokens: list[str] = ()
    effects: tuple[HeadEffect, ...] = ()

    @property
    def exact(self) -> bool:
        return all(f.ok for f in self.fields)


def parse_neurons(text: str) -> tuple[tuple[int, int], ...]:
    """``'0:3, 1:17'`` -> ((0, 3), (1, 17))."""
    out = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        layer, _, n = part.partition(":")
        if not (layer.strip().isdigit() and n.strip().isdigit()):
            raise ConfigError(f"neurons = {text!r}: write layer:neuron pairs, e.g. 0:3, 1:17")
        out.append((int(layer), int(n)))
    return tuple(out)


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


def _right(world: World, rules: str, text: str) -> int:
    return sum(a == b for a, b in zip(_fields(world, rules), _fields(world, text), strict=True))


def _generate(model, tok, ids: list[int], n: int, edit: WeightEdit | None) -> str:
    if edit:
        return edited_generate(model, tok, ids, [edit], n)[1]
    return greedy(model, tok, torch.tensor([ids]), n)[0]


def answer(model, tok, lock, world: World, inputs: str, max_new_tokens: int = 32, draw: bool = True,
           change: Manipulation | None = None, lens: bool = False, effects: bool = False) -> Answer:
    """The rules' and the model's answers for ``inputs``, a prompt on any rung
    (``'1,0,1,0,1'``, ``'1,0,1,0,1 do(newB=0)'``, ``'1,0,1,0,1 -> 0,1,0,1 do(newB=0)'``), under
    ``change`` (nothing changed by default). ``draw``: the attention pattern
    over input and answer; ``lens``: the logit lens over the answer; ``effects``: the answer with
    each head ablated in turn (on top of ``change``). Attention and lens read the ablated model
    without the weight edit."""
    change = change or Manipulation()
    rules = prompt_answer(world, inputs)
    ids = text_ids(tok, inputs)
    anat = anatomy(model)
    with lock, ablate(model, heads=change.heads, neurons=change.neurons):
        model_text = _generate(model, tok, ids, max_new_tokens, change.edit)
        full = ids + tok(model_text, add_special_tokens=False)["input_ids"]
        seq = torch.tensor([full])
        att = attention(model, seq)[:, 0].numpy() if draw else None
        probs = None
        if lens and len(full) > len(ids):
            lp = next_token_logprobs(logit_lens(model, seq), seq)  # (L + 1, 1, T - 1)
            probs = lp[:, 0, len(ids) - 1:].exp().numpy()
    tried = []
    if effects:
        for layer in range(anat.n_layer):
            for h in range(anat.n_head):
                with lock, ablate(model, heads=(*change.heads, (layer, h)), neurons=change.neurons):
                    text = _generate(model, tok, ids, max_new_tokens, change.edit)
                tried.append(HeadEffect(layer, h, text, _right(world, rules, text)))
    names = [*world.outputs, *world.summary]
    fields = [Field(n, r, m) for n, r, m in zip(names, _fields(world, rules), _fields(world, model_text),
                                                  strict=True)]
    tokens = [tok.decode([i]).replace("\n", "\\n") or "<bos>" for i in full]
    return Answer(inputs, rules, model_text, fields, att, tokens, probs, tokens[len(ids):], tuple(tried))
