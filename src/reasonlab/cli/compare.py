"""``reasonlab compare``: systems side by side with statistics, threshold curves and examples
for labelling; ``reasonlab data-stats``: difficulty histograms of a dataset's splits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..config import ConfigError, parse_yaml
from ..validation import StrictConfig, read_text
from .evaluate import eval_dir, read_data, write_results

console = Console()
notes = Console(stderr=True)  # progress and "wrote" lines, so that --format json|csv pipes clean


class CompareSpec(StrictConfig):
    """A YAML listing systems: ``systems: {name: path or [paths, one per seed]}``; ``data`` is the
    DIR/split run folders are evaluated on."""

    data: str | None = None
    systems: dict[str, str | list[str]]


def _results_file(path: Path, data: str | None) -> Path:
    """The results file of ``path``: itself, or a run's ``eval/<dataset>-<split>.jsonl`` (written
    first by evaluating the run when it is missing)."""
    if path.is_file():
        return path
    if not path.is_dir():
        raise ConfigError(f"{str(path)!r}: no such results file or run folder")
    if data is None:
        found = sorted((path / "eval").glob("*.jsonl"))
        if len(found) == 1:
            return found[0]
        listed = ", ".join(f.name for f in found) or "none"
        raise ConfigError(f"{str(path)!r} is a folder; give --data DIR/split to pick (or compute) its "
                          f"results (eval files there: {listed})")
    examples, name = read_data(data)
    file = eval_dir(path) / f"{name}.jsonl"
    if not file.is_file():
        notes.print(f"evaluating {escape(str(path))} on {escape(data)} ...")
        write_results(path, examples, name)
    return file


def _systems(paths: list[Path], named: list[str], spec: Path | None, data: str | None):
    from ..analysis.results import System, default_name, group_by_seed, load_eval

    groups: list[tuple[str | None, list[Path]]] = []
    if spec is not None:
        raw = parse_yaml(read_text(spec, "compare spec"), f"compare spec {str(spec)!r}")
        cfg = CompareSpec.model_validate(raw if isinstance(raw, dict) else {})
        data = data or cfg.data
        groups += [(n, [Path(p) for p in ([v] if isinstance(v, str) else v)]) for n, v in cfg.systems.items()]
    for item in named:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ConfigError(f"--system {item!r}: write name=PATH (a results file or run folder; "
                              "several seeds as name=PATH1,PATH2)")
        groups.append((name, [Path(p) for p in value.split(",")]))
    loaded = [load_eval(_results_file(p, data)) for p in paths]
    systems = [System(n, tuple(load_eval(_results_file(p, data)) for p in ps)) for n, ps in groups]
    systems += [System(default_name(g), tuple(g)) for g in group_by_seed(loaded)]
    if len(systems) < 1:
        raise ConfigError("give the systems to compare: results files or run folders, --system "
                          "name=PATH, or --spec FILE.yaml")
    return systems


def compare_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="eval/<name>.jsonl files or run folders (runs differing only in seed: one system)")] = None,
    system: Annotated[list[str] | None, typer.Option(help="name=PATH[,PATH...] (one path per seed)")] = None,
    spec: Annotated[Path | None, typer.Option(help="YAML: systems: {name: path or [paths]}, data:")] = None,
    data: Annotated[str | None, typer.Option(help="DIR/split to evaluate run folders on")] = None,
    fmt: Annotated[str, typer.Option("--format", help="rich, markdown, latex, csv or json")] = "rich",
    out: Annotated[Path, typer.Option(help="folder for tables, figures and samples")] = Path("comparison"),
    tolerance: Annotated[str, typer.Option(help="TVD tolerances, comma-separated")] = "0.01,0.02,0.03",
    slices: Annotated[str | None, typer.Option(help="slice groups to show, e.g. rung,ve_ops")] = None,
    correction: Annotated[str, typer.Option(help="holm or none (the original pipeline's)")] = "holm",
    alpha: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.05,
    resamples: Annotated[int, typer.Option(min=1, help="permutation resamples")] = 9999,
    bootstrap: Annotated[int, typer.Option(min=100, help="bootstrap resamples for CIs")] = 2000,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    unit: Annotated[str, typer.Option(help="prompt (repeated prompts count once) or example")] = "prompt",
    sample_per_bin: Annotated[int | None, typer.Option(min=1, help="N examples per bin to label")] = None,
    only: Annotated[str, typer.Option(help="examples to sample: incorrect, correct or all")] = "incorrect",
    bin_metric: Annotated[str, typer.Option(help="the difficulty metric whose bins --sample-per-bin uses")]
    = "ve_ops",
) -> None:
    """Accuracy tables with 95% CIs and significance against the best system, threshold curves
    (PNG/SVG), and optionally a CSV of examples for human labelling."""
    from ..analysis import outputs as render

    if fmt not in ("rich", *render.TABLE_FORMATS):
        raise ConfigError(f"--format {fmt!r}: choose rich, {', '.join(render.TABLE_FORMATS)}")
    tols = render.parse_tolerances(tolerance)
    systems = _systems(list(paths or []), list(system or []), spec, data)
    groups = [g.strip() for g in slices.split(",") if g.strip()] if slices else None
    report = render.comparison_outputs(systems, tols, groups, correction, alpha, resamples, bootstrap,
                                       seed, sample_per_bin, only, bin_metric, unit)
    files = report.write(out)
    if fmt == "rich":
        console.print(report.rich())
    else:
        typer.echo(report.texts[fmt], nl=False)
    for f in files:
        notes.print(f"wrote {escape(str(f))}", highlight=False)


def data_stats_cmd(
    dataset: Annotated[Path, typer.Argument(help="a dataset folder written by `reasonlab generate`")],
    out: Annotated[Path | None, typer.Option(help="output folder (default: DATASET/stats)")] = None,
) -> None:
    """Histograms of every difficulty metric, train vs dev vs test, as one figure (+ CSV)."""
    from ..analysis.datasets import write_dataset_stats

    for f in write_dataset_stats(dataset, out or dataset / "stats"):
        console.print(f"wrote {escape(str(f))}", highlight=False)
