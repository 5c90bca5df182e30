"""``reasonlab experiment run|report FILE``: a claim re-run by one command.

``run`` validates every job, runs the grid (data stages, arms x seeds, evaluations) as separate
processes (``--jobs N`` at a time; finished jobs are skipped, killed runs resume), then decides
every claim and writes ``verdict.json``, figures and ``report.html`` under
``experiments/<name>/`` (``experiments/<name>-<profile>/`` with ``--profile``). ``--dry-run``
prints the command of every job instead. ``report`` rebuilds the verdicts and the report from
the runs that exist.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import ConfigError

app = typer.Typer(help="Experiments: every claim re-run by one command, with seeds, statistics "
                  "and a verdict.", no_args_is_help=True)
console = Console()
notes = Console(stderr=True)

PACKAGED = Path(__file__).parents[1] / "configs" / "experiments"


def resolve(file: str) -> Path:
    """An experiment file path, or the name of one shipped with reasonlab (``heldout``)."""
    p = Path(file)
    if p.is_file():
        return p
    packaged = PACKAGED / f"{file}.yaml"
    if p.suffix == "" and packaged.is_file():
        return packaged
    shipped = ", ".join(sorted(q.stem for q in PACKAGED.glob("*.yaml"))) or "none"
    raise ConfigError(f"experiment {file!r}: no such file, and not the name of a shipped experiment "
                      f"({shipped})")


def _load(file: str, profile: str | None, out: Path | None):
    from ..experiments import load_experiment

    exp, home = load_experiment(resolve(file))
    exp = exp.with_profile(profile)
    folder = out or Path("experiments") / (exp.name + (f"-{profile}" if profile else ""))
    return exp, home, folder


FileArg = Annotated[str, typer.Argument(help="experiment YAML, or a shipped one's name (heldout, ...)")]
ProfileOpt = Annotated[str | None, typer.Option(help="a profile of the file (e.g. smoke, demo)")]
OutOpt = Annotated[Path | None, typer.Option(help="output folder (default experiments/<name>)")]


@app.command("run")
def run_cmd(
    file: FileArg,
    jobs: Annotated[int, typer.Option(min=1, help="jobs run in parallel")] = 1,
    profile: ProfileOpt = None,
    out: OutOpt = None,
    dry_run: Annotated[bool, typer.Option(help="print every job's command; run nothing")] = False,
    progress: Annotated[bool, typer.Option(help="show the grid's progress")] = True,
) -> None:
    """Run the experiment's grid, then decide its claims (verdict table, report.html)."""
    from ..experiments import check_jobs, is_done, plan, run_jobs

    exp, home, folder = _load(file, profile, out)
    grid = plan(exp, home.resolve(), folder.resolve())
    check_jobs(grid)
    if dry_run:
        for job in grid:
            state = "done" if is_done(folder.resolve(), job) else "to run"
            typer.echo(f"# {job.key} ({state}; after {', '.join(job.deps) or 'nothing'})")
            typer.echo(shlex.join(["reasonlab", *job.argv]))
        return
    todo = [j for j in grid if not is_done(folder.resolve(), j)]
    notes.print(f"experiment {escape(exp.name)}: {len(grid)} jobs, {len(todo)} to run, {jobs} at a time, "
                f"logs in {escape(str(folder / 'logs'))}")
    outcomes = run_jobs(grid, folder.resolve(), jobs, progress)
    ran = [o for o in outcomes if o.status == "done"]
    if ran:
        notes.print(f"ran {len(ran)} jobs in {sum(o.seconds for o in ran):.0f} s of job time")
    _decide(exp, folder)


@app.command("report")
def report_cmd(file: FileArg, profile: ProfileOpt = None, out: OutOpt = None) -> None:
    """Decide the claims and rebuild figures, verdict.json and report.html from the runs there."""
    exp, _, folder = _load(file, profile, out)
    if not folder.is_dir():
        raise ConfigError(f"{str(folder)!r} does not exist; run `reasonlab experiment run {file}` first")
    _decide(exp, folder)


def _decide(exp, folder: Path) -> None:
    from ..experiments import study

    results, files = study(exp, folder)
    table = Table(title=f"experiment {exp.name}: verdicts", show_edge=False)
    table.add_column("claim", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for col in ("value", "95% CI", "p", "n", "seeds needed"):
        table.add_column(col, justify="right")
    colour = {"held": "green", "not held": "red", "inconclusive": "yellow", "missing": "dim"}
    for r in results:
        v = r.verdict
        table.add_row(escape(r.claim.id), f"[{colour[r.label]}]{r.label}[/]",
                      f"{v.value + 0.0:.3g}" if v else "",
                      f"[{v.ci[0]:.3g}, {v.ci[1]:.3g}]" if v and v.ci else "",
                      f"{v.p:.3g}" if v and v.p is not None else "", str(v.n) if v else "",
                      str(v.seeds_needed) if v and v.seeds_needed else "")
    wide = console if console.is_terminal else Console(width=110)  # a log file gets the whole table
    wide.print(table)
    for r in results:  # what each value is, and how it was decided
        stat = f"{r.verdict.statistic}; " if r.verdict else ""
        console.print(f"[bold]{escape(r.claim.id)}[/]: {escape(r.claim.statement)} -- "
                      f"{escape(stat + r.detail)}", highlight=False)
    figures = [f for f in files if f.suffix in (".png", ".svg")]
    notes.print(f"wrote verdict.json, {len(figures)} figures (PNG + SVG) and report.html under "
                f"{escape(str(folder))}", highlight=False)
    console.print(f"report: {escape(str((folder / 'report.html').resolve()))}", highlight=False)
