"""``reasonlab traces``: what the systems' reasoning traces say -- labelled by the rule-based
annotators against the true causal model of each question (``--data``) and/or an LLM judge
(``--judge-url``) -- per system with CIs, and the agreement of rules, judge and human labels on
modeling errors. Everything is computed before anything is written, so a failure (an unknown
id, an unreachable judge) leaves no partial output."""

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
from .evaluate import read_data

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


def rates_table(rows, title: str) -> Table:
    """Labels down, systems across: share [95% CI] and k/n (``-`` where no trace applies)."""
    systems = list(dict.fromkeys(r.system for r in rows))
    cell = {(r.system, r.label): r for r in rows}
    table = Table(title=title, show_edge=False)
    table.add_column("label")
    for name in systems:
        table.add_column(escape(name), justify="right")
    for label in dict.fromkeys(r.label for r in rows):
        shown = []
        for name in systems:
            r = cell.get((name, label))
            shown.append("-" if r is None or r.n == 0 else
                         f"{r.rate:.2f} [{r.lo:.2f}, {r.hi:.2f}] {r.k}/{r.n}")
        table.add_row(label, *shown)
    return table


def _rules(systems, data: str, gold: bool):
    from ..analysis.trace_study import annotate_systems, modeling_errors
    from ..analysis.traces import load_models, summary_table

    examples, _ = read_data(data)
    annotations = annotate_systems(systems, examples, load_models(Path(data).parent), data, gold)
    rows = summary_table(annotations)
    console.print(rates_table(rows, "rule-based trace labels, share of traces [95% CI] k/n"))
    return annotations, rows, modeling_errors(annotations)


def _judged(systems, url, model, schema, key_env, concurrency, out: Path):
    from ..analysis.judge_schemas import SCHEMAS
    from ..analysis.trace_tables import label_rates, reply_labels, universe_of

    items, results = _judge(systems, url, model, schema, key_env, concurrency, out / "cache")
    labels: dict[str, list[set[str]]] = {s.name: [] for s in systems}
    flags: dict[tuple[str, str], bool] = {}
    for r in results:
        if r.parsed is not None:
            name, _, row_id = r.id.partition("/")
            labels[name].append(reply_labels(r.parsed))
            flags[(name, row_id)] = "modeling_error" in labels[name][-1]
    failed = [r for r in results if r.parsed is None]
    if failed:
        notes.print(f"{len(failed)} of {len(items)} traces got no valid reply, e.g. "
                    f"{escape(failed[0].error or '')}")
    rows = label_rates(labels, universe_of(SCHEMAS[schema].reply_model))
    console.print(rates_table(rows, f"judge labels ({schema}), share of traces [95% CI] k/n"))
    return rows, flags


def traces_cmd(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="eval/<name>.jsonl files or run folders")
    ] = None,
    system: Annotated[
        list[str] | None, typer.Option(help="name=PATH (a results file or run folder)")
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(help="DIR/split the results answer (causal_qa): the rule-based annotators "
                     "read its causal models; run folders are evaluated on it"),
    ] = None,
    rules: Annotated[bool, typer.Option(help="label with the rule-based annotators (needs --data)")] = True,
    gold: Annotated[bool, typer.Option(help="add the dataset's gold traces as a system 'gold'")] = False,
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
    """Label each system's reasoning traces -- with the rule-based annotators (``--data``: exact,
    no LLM; per-trace evidence in OUT/rules_traces.jsonl) and/or an LLM judge (``--judge-url``,
    ``--judge-model``; replies cached under OUT/cache) -- tabulate the labels per system with 95%
    CIs (CSV + PNG/SVG), and, with two sources or ``--human``, their agreement on modeling
    errors (the human labels, else the rules, as the reference)."""
    from ..analysis.agreement import read_human_labels
    from ..analysis.trace_study import plot_rates, write_rule_outputs
    from ..analysis.trace_tables import rates_csv

    use_rules = rules and data is not None
    if bool(judge_url) != bool(judge_model):
        raise ConfigError("give both --judge-url and --judge-model (an OpenAI-compatible endpoint, "
                          "e.g. http://127.0.0.1:8000/v1 served by vLLM, and its model name)")
    if gold and not use_rules:
        raise ConfigError("--gold annotates the dataset's gold traces with the rules; give --data DIR/split "
                          "(and no --no-rules)")
    if not use_rules and not judge_url:
        raise ConfigError("nothing labels the traces: give --data DIR/split (the causal_qa split the "
                          "results answer; the rule-based annotators read its causal models) and/or "
                          "--judge-url with --judge-model (an OpenAI-compatible LLM judge)")
    if judge_url and os.environ.get(judge_key_env) is None and judge_url.startswith("https://"):
        notes.print(f"note: ${escape(judge_key_env)} is unset; the request goes without a key")
    humans = read_human_labels(human, "modeling_error_human") if human else None
    systems = _systems(list(paths or []), list(system or []), None, data)
    sources: dict[str, dict] = {} if humans is None else {"human": humans}
    writes: list = []
    if use_rules:
        annotations, rule_rows, sources["rules"] = _rules(systems, data, gold)
        writes.append(lambda: write_rule_outputs(annotations, rule_rows, out))
    if judge_url:
        judge_rows, flags = _judged(systems, judge_url, judge_model, judge_schema, judge_key_env,
                                    judge_concurrency, out)
        stem = out / f"judge_{judge_schema}"
        writes.append(lambda: [atomic_write_text(stem.with_suffix(".csv"), rates_csv(judge_rows)),
                               *plot_rates(judge_rows, stem, f"judge labels ({judge_schema})")])
        if judge_schema == "modeling_error":
            sources["judge"] = flags
    if humans is not None and len(sources) < 2:
        raise ConfigError("--human: nothing to compare the human modeling-error labels with; give "
                          "--data (rules) or a judge with --judge-schema modeling_error")
    if len(sources) > 1:
        text = _agreement(sources, "human" if humans is not None else "rules", seed)
        writes.append(lambda: [atomic_write_text(out / "agreement.csv", text)])
    for write in writes:
        for f in write():
            notes.print(f"wrote {escape(str(f))}", highlight=False)


def _agreement(sources, reference: str, seed: int) -> str:
    from ..analysis.trace_study import agree_sources, agreement_csv

    rows = agree_sources(sources, reference, seed)
    for row in rows:
        a = row.agreement
        table = Table(title=f"{row.source} vs {row.reference}: modeling-error labels (n={a.n})",
                      show_edge=False)
        for col in ("metric", "value", "95% CI"):
            table.add_column(col)
        for name in ("accuracy", "precision", "recall", "f1", "kappa"):
            e = getattr(a, name)
            table.add_row(name, f"{e.value:.3f}", f"[{e.ci[0]:.3f}, {e.ci[1]:.3f}]")
        console.print(table)
        for note in a.notes:
            notes.print(f"note: {escape(note)}")
    return agreement_csv(rows)
