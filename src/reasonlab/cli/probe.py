"""``reasonlab probe attention|lens|ablate|patch|edit RUN ...``: look inside a trained model.

Each command runs one probe of :mod:`reasonlab.interp` on a run's final model (or any model
folder) and writes PNG + SVG + CSV (``edit``: JSON) under ``--out`` (default
``<run>/eval/probe-<command>/``). ``--input TEXT`` probes one prompt as typed; ``--data DIR/split``
(with ``--index``) one example of a dataset, and for ``ablate`` and ``patch`` the first
``--limit`` examples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..config import ConfigError
from ..files import atomic_write_text
from .evaluate import check_task, eval_dir, model_folder, read_data

app = typer.Typer(help="Interpretability probes: attention, logit lens, ablation, patching, weight edits.",
                  no_args_is_help=True)

Run = Annotated[Path, typer.Argument(help="run folder (uses final/) or a model folder")]
Input = Annotated[str | None, typer.Option("--input", help="a prompt as the model reads it (\\n: newline)")]
Data = Annotated[str | None, typer.Option(help="DIR/split of a generated dataset, e.g. data/bw/test")]
Index = Annotated[int, typer.Option(min=0, help="which example of --data")]
Limit = Annotated[int, typer.Option(min=1, help="first N examples of --data")]
NewTokens = Annotated[int | None, typer.Option(min=1, help="tokens to generate (default: the "
                                               "longest gold completion + 4, or 32 for --input)")]
Out = Annotated[Path | None, typer.Option(help="output folder (default <run>/eval/probe-<command>)")]
Device = Annotated[str, typer.Option(help="torch device, e.g. cpu or cuda")]


def _load(run: Path, device: str):
    from ..models import load_pretrained

    folder = model_folder(run)
    model, tok = load_pretrained(folder)
    return folder, model.to(device).eval(), tok


def _examples(folder: Path, data: str, limit: int | None = None) -> list:
    examples, _ = read_data(data)
    check_task(folder, examples)
    return examples[:limit] if limit else examples


def _prompt(folder: Path, tok, text: str | None, data: str | None, index: int) -> tuple[list[int], str]:
    """Token ids of the probed prompt and how it was chosen."""
    from ..models.encoding import prompt_ids, text_ids

    if (text is None) == (data is None):
        raise ConfigError("give exactly one of --input TEXT or --data DIR/split")
    if text is not None:
        return text_ids(tok, text.replace("\\n", "\n")), "--input"
    examples = _examples(folder, data)
    if index >= len(examples):
        raise ConfigError(f"--index {index}: {data} has {len(examples)} examples (0..{len(examples) - 1})")
    return prompt_ids(tok, examples[index]), f"{data} #{index}"


def _new_tokens(n: int | None, examples: list | None = None) -> int:
    if n is not None:
        return n
    return 32 if not examples else max(len(e.completion) for e in examples) + 4


def _with_completion(model, tok, ids: list[int], n: int):
    """The prompt and its greedy completion as one ``(1, T)`` tensor, and the prompt length."""
    import torch

    from ..interp import greedy

    text = greedy(model, tok, torch.tensor([ids]), n)[0]
    full = ids + tok(text, add_special_tokens=False)["input_ids"]
    return torch.tensor([full]), len(ids), text


def _probed(run: Path, text: str | None, data: str | None, index: int, n: int | None, device: str):
    """The model of ``run`` and the probed sequence: ``(folder, model, tok, seq (1, T), prompt
    length, completion, source)``."""
    folder, model, tok = _load(run, device)
    ids, source = _prompt(folder, tok, text, data, index)
    seq, start, completion = _with_completion(model, tok, ids, _new_tokens(n))
    return folder, model, tok, seq, start, completion, source


def _labels(tok, ids) -> list[str]:
    return [tok.decode([int(i)]).replace("\n", "\\n").replace(" ", "_") or f"<{int(i)}>" for i in ids]


def _out(out: Path | None, folder: Path, name: str) -> Path:
    return out or eval_dir(folder) / f"probe-{name}"


@app.command("attention")
def attention_cmd(run: Run, text: Input = None, data: Data = None, index: Index = 0,
                  max_new_tokens: NewTokens = None, out: Out = None, device: Device = "cpu") -> None:
    """Every head's attention pattern over the prompt and the model's greedy completion."""
    from ..analysis.heatmaps import Panel, write_heatmaps, write_long_csv
    from ..interp import attention

    folder, model, tok, seq, _, completion, source = _probed(run, text, data, index, max_new_tokens, device)
    att = attention(model, seq.to(device))[:, 0].cpu().numpy()  # (L, H, T, T)
    labels = _labels(tok, seq[0])
    panels = [Panel(att[layer, h], f"layer {layer} head {h}", labels, labels)
              for layer in range(att.shape[0]) for h in range(att.shape[1])]
    target = _out(out, folder, "attention")
    files = write_heatmaps(panels, target / "attention", "key position", "query position",
                           columns=att.shape[1], vmin=0.0, vmax=1.0, colorbar="attention weight")
    rows = [(layer, h, q, k, float(att[layer, h, q, k])) for layer in range(att.shape[0])
            for h in range(att.shape[1]) for q in range(att.shape[2]) for k in range(q + 1)]
    files.append(write_long_csv(target / "attention.csv", ["layer", "head", "query", "key", "weight"], rows))
    typer.echo(f"{source}: {seq.shape[1]} tokens (completion {completion!r}); "
               f"{att.shape[0]} layers x {att.shape[1]} heads; wrote {len(files)} files to {target}")


@app.command("lens")
def lens_cmd(run: Run, text: Input = None, data: Data = None, index: Index = 0,
             max_new_tokens: NewTokens = None, out: Out = None, device: Device = "cpu") -> None:
    """Logit lens over the greedy completion: p(the token the model writes) read at every layer."""
    from ..analysis.heatmaps import Panel, write_heatmaps, write_long_csv
    from ..interp import logit_lens
    from ..interp.activations import next_token_logprobs

    folder, model, tok, seq, start, completion, source = _probed(run, text, data, index, max_new_tokens,
                                                                 device)
    if seq.shape[1] == start:
        raise ConfigError(f"{source}: the model writes nothing after this prompt (EOS first); "
                          "nothing to read the lens on")
    lens = logit_lens(model, seq.to(device)).cpu()  # (L + 1, 1, T, V)
    probs = next_token_logprobs(lens, seq)[:, 0, start - 1:].exp().numpy()  # (L + 1, completion)
    top = lens[:, 0, start - 1:-1].argmax(-1)
    layers = ["embed", *[f"block {i}" for i in range(lens.shape[0] - 1)]]
    cols = _labels(tok, seq[0, start:])
    target = _out(out, folder, "lens")
    files = write_heatmaps([Panel(probs, f"logit lens: {source}", layers, cols)], target / "lens",
                           "generated token", "read after", columns=1, vmin=0.0, vmax=1.0,
                           colorbar="p(token written)")
    rows = [(layers[i], j, cols[j], float(probs[i, j]), _labels(tok, [top[i, j]])[0])
            for i in range(len(layers)) for j in range(len(cols))]
    files.append(write_long_csv(target / "lens.csv", ["layer", "position", "token", "p", "top_token"], rows))
    first = [next((layers[i] for i in range(len(layers)) if probs[i, j] >= 0.5), "never")
             for j in range(len(cols))]
    typer.echo(f"{source}: completion {completion!r}; p >= 0.5 first at: {', '.join(first)}")
    typer.echo(f"wrote {len(files)} files to {target}")


@app.command("ablate")
def ablate_cmd(run: Run, data: Annotated[str, typer.Option(help="DIR/split, e.g. data/bw/test")],
               limit: Limit = 64, mode: Annotated[str, typer.Option(help="zero or mean")] = "zero",
               max_new_tokens: NewTokens = None, out: Out = None, device: Device = "cpu") -> None:
    """Each attention head knocked out in turn: exact match and reward on --data against intact."""
    from ..analysis.heatmaps import Panel, write_heatmaps, write_long_csv
    from ..interp import ablation_effects, mean_activations
    from ..interp.ablation import MODES
    from ..models.encoding import left_pad

    if mode not in MODES:
        raise ConfigError(f"--mode {mode!r}: choose from {', '.join(MODES)}")
    folder, model, tok = _load(run, device)
    examples = _examples(folder, data, limit)
    means = None
    if mode == "mean":
        ids, mask = left_pad(tok, examples)
        means = mean_activations(model, ids.to(device), mask.to(device))
    (exact, reward), effects = ablation_effects(model, tok, examples, _new_tokens(max_new_tokens, examples),
                                                mode, means)
    import numpy as np

    grid = np.zeros((1 + max(e.layer for e in effects), 1 + max(e.head for e in effects)))
    for e in effects:
        grid[e.layer, e.head] = e.exact_change
    target = _out(out, folder, "ablate")
    axis = [str(i) for i in range(grid.shape[0])], [str(i) for i in range(grid.shape[1])]
    title = f"{mode} ablation: change in exact match (intact {exact:.3f})"
    files = write_heatmaps([Panel(grid, title, *axis)],
                           target / "ablate", "head", "layer", columns=1, cmap="RdBu", vmin=-1.0, vmax=1.0,
                           colorbar="exact match, ablated - intact")
    rows = [(e.layer, e.head, e.exact, e.reward, e.exact_change, e.reward_change) for e in effects]
    files.append(write_long_csv(target / "ablate.csv", ["layer", "head", "exact", "reward", "exact_change",
                                                        "reward_change"], rows))
    typer.echo(f"intact: exact {exact:.3f}, reward {reward:.3f} on {len(examples)} examples")
    for e in sorted(effects, key=lambda e: e.exact_change)[:5]:
        typer.echo(f"  layer {e.layer} head {e.head}: exact {e.exact:.3f} ({e.exact_change:+.3f})")
    typer.echo(f"wrote {len(files)} files to {target}")


@app.command("patch")
def patch_cmd(run: Run, data: Annotated[str, typer.Option(help="DIR/split, e.g. data/bw/test")],
              limit: Limit = 32, layer: Annotated[list[int] | None, typer.Option(
                  help="block whose output is patched (repeat; default every block)")] = None,
              max_new_tokens: NewTokens = None, out: Out = None, device: Device = "cpu") -> None:
    """The patching matrix: input a's output with block L's residual stream taken from input b."""
    from ..analysis.heatmaps import Panel, write_heatmaps, write_long_csv
    from ..interp import anatomy, patch_matrix

    folder, model, tok = _load(run, device)
    examples = _examples(folder, data, limit)
    prompts = list(dict.fromkeys(e.text() for e in examples))
    if len(prompts) < len(examples):
        examples = [next(e for e in examples if e.text() == p) for p in prompts]  # distinct inputs
    layers = layer or list(range(anatomy(model).n_layer))
    n_new = _new_tokens(max_new_tokens, examples)
    names = [e.text().strip().replace("\n", " ")[:24] for e in examples]
    panels, rows = [], []
    for L in layers:
        m, _ = patch_matrix(model, tok, examples, L, n_new)
        panels.append(Panel(m.numpy(), f"block {L}", names, names))
        rows += [(L, names[a], names[b], float(m[a, b])) for a in range(len(m)) for b in range(len(m))]
        typer.echo(f"block {L}: mean share of the output moved to the source's: {float(m.mean()):.3f} "
                   f"(off-diagonal {float((m.sum() - m.diagonal().sum()) / max(1, m.numel() - len(m))):.3f})")
    target = _out(out, folder, "patch")
    files = write_heatmaps(panels, target / "patch", "source input b", "patched input a", columns=len(panels),
                           vmin=0.0, vmax=1.0, colorbar="share of the output moved to b's")
    files.append(write_long_csv(target / "patch.csv", ["layer", "input_a", "input_b", "moved"], rows))
    typer.echo(f"{len(examples)} distinct inputs; wrote {len(files)} files to {target}")


@app.command("edit")
def edit_cmd(run: Run, target: Annotated[str, typer.Option(
                 help="parameter[slice], e.g. transformer.h.0.mlp.c_fc.weight[:, 0:16]")],
             op: Annotated[str, typer.Option(help="flip, zero, scale or noise")] = "zero",
             value: Annotated[float, typer.Option(help="factor (scale) or noise std (noise)")] = 1.0,
             from_step: Annotated[int, typer.Option(min=0, help="first generated token with the edit")] = 0,
             seed: Annotated[int, typer.Option(help="seed of the noise")] = 0,
             text: Input = None, data: Data = None, index: Index = 0, max_new_tokens: NewTokens = None,
             out: Out = None, device: Device = "cpu") -> None:
    """A weight edit from generation step t on: the edited answer beside the original."""
    from ..interp import WeightEdit, edited_generate

    folder, model, tok = _load(run, device)
    ids, source = _prompt(folder, tok, text, data, index)
    edit = WeightEdit(target, op, value, from_step, seed)
    original, edited = edited_generate(model, tok, ids, [edit], _new_tokens(max_new_tokens))
    typer.echo(f"{source}\n  original: {original!r}\n  edited:   {edited!r}")
    folder_out = _out(out, folder, "edit")
    record = {"source": source, "prompt": tok.decode(ids, skip_special_tokens=True),
              "edit": {"target": target, "op": op, "value": value, "from_step": from_step, "seed": seed},
              "original": original, "edited": edited, "changed": original != edited}
    path = atomic_write_text(folder_out / "edit.json", json.dumps(record, indent=2) + "\n")
    typer.echo(f"wrote {path}")
