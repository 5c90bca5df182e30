"""``reasonlab traces``: what the systems' reasoning traces say, labelled by an LLM judge, per
system with CIs, and the judge's agreement with human labels."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..config import ConfigError, validate
from ..files import atomic_write_text
from .compare import _systems

console = Console()
notes = Console(stderr=True)


def _judge(systems, url: str, model: str, schema: str, key_env: str, concurrency: int, cache: Path):
    from ..analysis.judge import JudgeConfig, JudgeItem, judge_traces

    config = validate(
        JudgeConfig,
        {
            "url": url,
            "model": model,
            "schema": schema,
            "key_env": key_env,
            "concurrency": concurrency,
            "cache_dir": str(cache),
        },
        source="--judge options",
    )
    items = [
        JudgeItem(id=f"{s.name}/{r.id}", question=r.prompt, trace=r.output)
        for s in systems
        for r in s.files[0].rows
    ]
    notes.print(f"judging {len(items)} traces with {escape(model)} at {escape(config.url)} ...")
    return items, judge_traces(config, items)


def traces_cmd(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="eval/<name>.jsonl files or run folders")
    ] = None,
    system: Annotated[
        list[str] | None, typer.Option(help="name=PATH (a results file or run folder)")
    ] = None,
    data: Annotated[str | None, typer.Option(help="DIR/split to evaluate run folders on")] = None,
    judge_url: Annotated[str, typer.Option(help="base URL of an OpenAI-compatible API")] = "",
    judge_model: Annotated[str, typer.Option(help="the judge model's name on that server")] = "",
    judge_schema: Annotated[
        str, typer.Option(help="modeling_error, steps or step_errors")
    ] = "modeling_error",
    judge_key_env: Annotated[
        str, typer.Option(help="NAME of the variable holding the API key")
    ] = "OPENAI_API_KEY",
    judge_concurrency: Annotated[int, typer.Option(min=1, help="requests in flight")] = 8,
    human: Annotated[
        Path | None, typer.Option(help="the labelled samples.csv of `reasonlab compare`")
    ] = None,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("traces"),
    seed: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Label each system's traces with an LLM judge (``--judge-url``, ``--judge-model``; replies
    cached under OUT/cache), tabulate the labels per system with 95% CIs, and, with ``--human``,
    the judge's agreement with the human modeling-error labels."""
    from ..analysis.agreement import agreement_table, read_human_labels
    from ..analysis.judge_schemas import SCHEMAS
    from ..analysis.trace_tables import label_rates, rates_csv, reply_labels, universe_of

    if not (judge_url and judge_model):
        raise ConfigError(
            "give --judge-url and --judge-model (an OpenAI-compatible endpoint, e.g. "
            "http://127.0.0.1:8000/v1 served by vLLM) to label the traces"
        )
    if os.environ.get(judge_key_env) is None and judge_url.startswith("https://"):
        notes.print(f"note: ${escape(judge_key_env)} is unset; the request goes without a key")
    humans = read_human_labels(human, "modeling_error_human") if human else None
    systems = _systems(list(paths or []), list(system or []), None, data)
    items, results = _judge(
        systems, judge_url, judge_model, judge_schema, judge_key_env, judge_concurrency, out / "cache"
    )
    labels: dict[str, list[set[str]]] = {s.name: [] for s in systems}
    judged: dict[tuple[str, str], bool] = {}
    failed = [r for r in results if r.parsed is None]
    for r in results:
        if r.parsed is not None:
            name, _, row_id = r.id.partition("/")
            labels[name].append(reply_labels(r.parsed))
            judged[(name, row_id)] = "modeling_error" in labels[name][-1]
    rows = label_rates(labels, universe_of(SCHEMAS[judge_schema].reply_model))
    files = [atomic_write_text(out / f"judge_{judge_schema}.csv", rates_csv(rows))]
    table = Table(title=f"judge labels ({judge_schema}), share of traces [95% CI]", show_edge=False)
    for col in ("system", "label", "k/n", "share"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.system, r.label, f"{r.k}/{r.n}", f"{r.rate:.2f} [{r.lo:.2f}, {r.hi:.2f}]")
    console.print(table)
    if humans is not None and judge_schema == "modeling_error":
        files.append(_agreement(humans, judged, agreement_table, seed, out))
    if failed:
        notes.print(
            f"{len(failed)} of {len(items)} traces got no valid reply, e.g. {escape(failed[0].error or '')}"
        )
    for f in files:
        notes.print(f"wrote {escape(str(f))}", highlight=False)


def _agreement(humans, judged, agreement_table, seed: int, out: Path) -> Path:
    keys = sorted(set(humans) & set(judged))
    if not keys:
        raise ConfigError(
            "--human: none of its labelled (system, id) rows is among the judged traces; "
            "label the samples.csv of the same systems"
        )
    sources = {"human": {k: humans[k] for k in keys}, "judge": {k: judged[k] for k in keys}}
    (row,) = agreement_table(sources, "human", seed=seed)
    a = row.agreement
    lines = ["metric,value,lo,hi,n"]
    table = Table(title=f"judge vs human modeling-error labels (n={a.n})", show_edge=False)
    for col in ("metric", "value", "95% CI"):
        table.add_column(col)
    for name in ("accuracy", "precision", "recall", "f1", "kappa"):
        e = getattr(a, name)
        lines.append(f"{name},{e.value},{e.ci[0]},{e.ci[1]},{a.n}")
        table.add_row(name, f"{e.value:.3f}", f"[{e.ci[0]:.3f}, {e.ci[1]:.3f}]")
    console.print(table)
    return atomic_write_text(out / "agreement.csv", "\n".join(lines) + "\n")
