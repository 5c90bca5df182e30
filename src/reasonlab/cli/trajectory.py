"""``reasonlab trajectory loss|prune|landscape RUN... --data DIR/split``: the trajectory probes.

``loss`` writes the answer loss along each trace (gold, or the model's own from ``--results``),
``prune`` the accuracy of the answer forced after the first fraction of the trace, and
``landscape`` the loss surface around a checkpoint on two filter-normalised random directions
(:mod:`reasonlab.analysis.trajectory`, :mod:`reasonlab.analysis.landscape`). Several runs may be
given: each is one system on the same figure. ``--results eval/<name>.jsonl`` is read relative to
each run's folder first, then as given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import ConfigError
from .evaluate import check_task, eval_dir, model_folder, read_data, run_root

app = typer.Typer(help="Trajectory probes: answer loss along a trace, pruned traces, loss landscape.",
                  no_args_is_help=True)

Runs = Annotated[list[Path], typer.Argument(
    help="run folders (use final/) or model folders; one system each")]
Data = Annotated[str, typer.Option(help="DIR/split of a generated dataset, e.g. data/n5i/dev")]
Results = Annotated[str | None, typer.Option(
    help="eval/<name>.jsonl of `reasonlab eval` (the model's own traces); default: the gold traces")]
Limit = Annotated[int | None, typer.Option(min=1, help="first N examples only")]
Out = Annotated[Path | None, typer.Option(help="output folder (default: <first run>/eval/trajectory-<data>)")]
Cue = Annotated[str | None, typer.Option(
    help="text between trace and answer, \\n for a newline (default: the task's, e.g. "
         "'\\n\\nANSWER\\n' for causal_qa)")]
BatchSize = Annotated[int, typer.Option(min=1, help="sequences per forward pass")]
Device = Annotated[str, typer.Option(help="torch device, e.g. cpu or cuda")]


def _systems(runs: list[Path]) -> list[tuple[str, Path]]:
    """``(system name, model folder)`` per run: the run's folder name, made unique."""
    out, seen = [], set()
    for run in runs:
        folder = model_folder(run)
        root = run_root(folder) or run
        name = root.resolve().parent.name if root.name == "final" else root.name
        unique, n = name, 2
        while unique in seen:
            unique, n = f"{name}-{n}", n + 1
        seen.add(unique)
        out.append((unique, folder))
    return out


def _results_path(run: Path, spec: str) -> Path:
    for candidate in ((run_root(run) or run) / spec, Path(spec)):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"--results {spec!r}: no such file in {run_root(run) or run} or as given; give "
                      "eval/<name>.jsonl written by `reasonlab eval`")


def _cue(text: str | None) -> str | None:
    """``--cue`` with ``\\n`` and ``\\t`` read as newline and tab (what a shell cannot type)."""
    return None if text is None else text.replace("\\n", "\n").replace("\\t", "\t")


def _load(run: Path, folder: Path, examples: list, results: str | None, cue: str | None, device: str):
    from ..analysis.results import load_eval
    from ..analysis.trajectory import trajectories
    from ..models import load_pretrained

    check_task(folder, examples)
    outputs = None
    if results is not None:
        outputs = {r.id: r.output for r in load_eval(_results_path(run, results)).rows}
    model, tok = load_pretrained(folder)
    return model.to(device), tok, trajectories(examples, outputs, _cue(cue))


def _examples(data: str, limit: int | None) -> tuple[list, str]:
    examples, name = read_data(data)
    return (examples[:limit] if limit else examples), name


def _out(out: Path | None, runs: list[Path], name: str) -> Path:
    return out or eval_dir(model_folder(runs[0])) / f"trajectory-{name}"


@app.command("loss")
def loss_cmd(runs: Runs, data: Data, results: Results = None, limit: Limit = None,
             unit: Annotated[str, typer.Option(help="prefix unit: token, sentence or line")] = "token",
             max_points: Annotated[int | None, typer.Option(
                 min=2, help="at most N evenly spaced prefixes per trace")] = None,
             ema: Annotated[float | None, typer.Option(help="EMA smoothing weight in (0, 1]")] = None,
             cue: Cue = None, batch_size: BatchSize = 16, out: Out = None, device: Device = "cpu") -> None:
    """Answer loss -log p(gold answer | prompt + first k units of the trace + cue), k = 0..K."""
    from ..analysis.trajectory import UNITS, loss_curves, mean_curves
    from ..analysis.trajectory_plots import write_loss

    if unit not in UNITS:
        raise ConfigError(f"--unit {unit!r}: choose one of {', '.join(UNITS)}")
    if ema is not None and not 0 < ema <= 1:
        raise ConfigError(f"--ema {ema!r}: give a smoothing weight in (0, 1], e.g. 0.3 (1 = none)")
    examples, name = _examples(data, limit)
    curves = []
    for (system, folder), run in zip(_systems(runs), runs, strict=True):
        model, tok, trajs = _load(run, folder, examples, results, cue, device)
        curves += loss_curves(model, tok, trajs, unit, system, batch_size, max_points)
    target = _out(out, runs, name)
    files = write_loss(curves, target, alpha=ema)
    for m in mean_curves(curves, alpha=ema):
        typer.echo(f"{m.system}: answer loss {m.loss[0]:.4f} at the start of the trace, "
                   f"{m.loss[-1]:.4f} at its end (n={m.n})")
    typer.echo(f"wrote {len(files)} files to {target}")


def _fractions(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError:
        values = ()
    if not values or not all(0 <= f <= 1 for f in values):
        raise ConfigError(f"--fractions {text!r}: give fractions in [0, 1], comma-separated, e.g. 0,0.5,1")
    return values


@app.command("prune")
def prune_cmd(runs: Runs, data: Data, results: Results = None, limit: Limit = None,
              fractions: Annotated[str, typer.Option(help="kept fractions of the trace (tokens)")] =
              "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1",
              cue: Cue = None, batch_size: BatchSize = 16, out: Out = None, device: Device = "cpu") -> None:
    """Accuracy of the greedy answer forced after the first fraction f of the trace."""
    from ..analysis.trajectory import prune_curve
    from ..analysis.trajectory_plots import write_prune

    grid = _fractions(fractions)
    examples, name = _examples(data, limit)
    curves = []
    for (system, folder), run in zip(_systems(runs), runs, strict=True):
        model, tok, trajs = _load(run, folder, examples, results, cue, device)
        curves.append(prune_curve(model, tok, trajs, grid, system, batch_size))
        typer.echo(f"{system}: accuracy " + ", ".join(
            f"f={f:g}: {a:.3f}" for f, a in zip(grid, curves[-1].accuracy, strict=True)))
    target = _out(out, runs, name)
    files = write_prune(curves, target)
    typer.echo(f"wrote {len(files)} files to {target}")


@app.command("landscape")
def landscape_cmd(run: Annotated[Path, typer.Argument(help="run folder (uses final/) or a model folder")],
                  data: Data, limit: Annotated[int, typer.Option(min=1, help="examples in the batch")] = 16,
                  radius: Annotated[float, typer.Option(help="grid half-width")] = 1.0,
                  steps: Annotated[int, typer.Option(min=2, help="grid points per axis (odd: "
                                                      "the checkpoint is on the grid)")] = 21,
                  seed: Annotated[int, typer.Option(help="seed of the random directions")] = 0,
                  out: Out = None, device: Device = "cpu") -> None:
    """SFT loss on a fixed batch over a 2-D grid of filter-normalised random directions."""
    from ..analysis.landscape import landscape, write_landscape
    from ..models import load_pretrained

    folder = model_folder(run)
    examples, name = _examples(data, limit)
    check_task(folder, examples)
    model, tok = load_pretrained(folder)
    ls = landscape(model.to(device), tok, examples, radius, steps, seed)
    target = _out(out, [run], name)
    files = write_landscape(ls, target)
    typer.echo(f"loss {ls.loss.min():.4f} to {ls.loss.max():.4f} over [-{radius:g}, {radius:g}]^2; "
               f"wrote {len(files)} files to {target}")
