"""``reasonlab causal ...``: sample random models, answer queries, show models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..causal import (
    DagConfig,
    DiscreteModelConfig,
    DiscreteResult,
    DiscreteSCM,
    GaussianModelConfig,
    load_model,
    model_to_dict,
    query_many,
    sample_model,
    save_model,
)
from ..causal.errors import CausalError
from ..causal.metrics import query_metrics
from ..validation import check_seed

app = typer.Typer(help="The exact causal engine: random SCMs and queries on all three rungs.",
                  no_args_is_help=True)
console = Console()


def parse_range(text: str, option: str) -> tuple[int, int]:
    """``"3"`` -> (3, 3), ``"1-3"`` -> (1, 3); anything else is a clear error."""
    try:
        lo, _, hi = text.partition("-")
        return int(lo), int(hi or lo)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a count or a range like 1-3",
                                 param_hint=option) from None


@app.command("sample-model")
def sample_model_cmd(
    nodes: Annotated[int, typer.Option("--nodes", "-n", help="number of variables")] = 5,
    states: Annotated[str, typer.Option(help="states per variable: 2, or a range 2-3")] = "2",
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    family: Annotated[str, typer.Option(help="discrete or gaussian")] = "discrete",
    parents: Annotated[str, typer.Option(help="parents per non-root node, e.g. 1-2")] = "1-2",
    roots: Annotated[str | None, typer.Option(help="range of root counts (default 1-(n-1))")] = None,
    max_in_degree: Annotated[int | None, typer.Option(help="cap on parents per node")] = None,
    edge_density: Annotated[float | None, typer.Option(help="P(edge) instead of parent counts")] = None,
    alpha: Annotated[float, typer.Option(help="Dirichlet concentration of CPT rows")] = 1.0,
    decimals: Annotated[int, typer.Option(help="displayed decimals; -1 keeps full precision")] = 2,
    exact: Annotated[bool, typer.Option(help="keep exact (unrounded) parameters for answers")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=".json or .bif file")] = None,
) -> None:
    """Draw a random SCM and write it as JSON or BIF (or print the JSON)."""
    check_seed(seed, "--seed")
    dag = DagConfig(nodes=nodes, parents=parse_range(parents, "--parents"),
                    roots=parse_range(roots, "--roots") if roots else None,
                    max_in_degree=max_in_degree, edge_density=edge_density)
    common = dict(dag=dag, decimals=None if decimals < 0 else decimals,
                  answers_from="exact" if exact else "displayed")
    configs = {
        "discrete": lambda: DiscreteModelConfig(**common, states=parse_range(states, "--states"),
                                                alpha=alpha),
        "gaussian": lambda: GaussianModelConfig(**common),
    }
    if family not in configs:
        raise typer.BadParameter(f"{family!r}; choose one of {sorted(configs)}", param_hint="--family")
    model = sample_model(configs[family](), seed)
    if output is None:
        console.print_json(dumps_json(model_to_dict(model)))
        return
    save_model(model, output, meta={"seed": seed, "generator": "reasonlab causal sample-model"})
    console.print(escape(f"wrote {model!r} to {output}"))


def dumps_json(data: object) -> str:
    """Strict JSON text of ``data``: a non-finite number is an error, never a NaN/Infinity token."""
    try:
        return json.dumps(data, allow_nan=False)
    except ValueError:
        raise CausalError("the answer holds a non-finite number (nan or inf), which JSON cannot "
                          "hold; check the model's parameters and the query's values") from None


def _result_table(r, model) -> Table:
    """A rich table of one result (names and labels escaped: they are user text, not markup)."""
    t = Table(title=escape(str(r.query)), title_justify="left")
    if isinstance(r, DiscreteResult):
        t.add_column(escape(r.variable))
        t.add_column("probability", justify="right")
        for v, p in zip(r.values, r.probabilities, strict=True):
            t.add_row(escape(v), f"{p:.10g}")
        m = query_metrics(model, r.query)
        t.caption = (f"rung {r.query.rung} · VE sums {r.ops.sums}, products {r.ops.products} · "
                     f"treewidth {m['treewidth']} · on_path {m['on_path']}")
    else:
        t.add_column("mean", justify="right")
        t.add_column("variance", justify="right")
        row = [f"{r.mean:.10g}", f"{r.variance:.10g}"]
        if r.probability is not None:
            t.add_column("probability", justify="right")
            row.append(f"{r.probability:.10g}")
        t.add_row(*row)
    return t


@app.command("query")
def query_cmd(
    model_path: Annotated[Path, typer.Argument(help="model file (.json or .bif)", metavar="MODEL")],
    queries: Annotated[list[str], typer.Argument(help='queries, e.g. "P(v2 | do(v3=1), v0=0)"')],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Answer one or more queries exactly (rung 1: P(Y | Z=z), rung 2: P(Y | do(X=x), Z=z),
    rung 3: P(Y_{X=x} | Z=z))."""
    model = load_model(model_path)
    results = query_many(model, queries)
    if as_json:
        out = [r.to_dict() for r in results]
        typer.echo(dumps_json(out[0] if len(out) == 1 else out))
        return
    for r in results:
        console.print(_result_table(r, model))


@app.command("show")
def show_cmd(
    model_path: Annotated[Path, typer.Argument(help="model file (.json or .bif)", metavar="MODEL")],
) -> None:
    """Print a model: its edges and its parameters."""
    model = load_model(model_path)
    print_model(model)


def print_model(model) -> None:
    """The model's edges and parameters (names and labels escaped: user text, not markup)."""
    console.print(escape(f"{model!r}"))
    console.print(escape("edges: " + ", ".join(f"{a} -> {b}" for a, b in model.dag.edges)))
    for i, name in enumerate(model.names):
        pa = [model.names[p] for p in model.parents[i]]
        if isinstance(model, DiscreteSCM):
            title = f"P({name}" + (f" | {', '.join(pa)})" if pa else ")")
            t = Table(title=escape(title), title_justify="left")
            for p in pa:
                t.add_column(escape(p))
            for s in model.states[i]:
                t.add_column(escape(f"{name}={s}"), justify="right")
            rows = model.cpts[i].reshape(-1, model.cards[i])
            configs = [()] if not pa else list(np.ndindex(*model.cpts[i].shape[:-1]))
            for cfg, row in zip(configs, rows, strict=True):
                labels = [escape(model.states[p][s]) for p, s in zip(model.parents[i], cfg, strict=True)]
                t.add_row(*labels, *(f"{x:.6g}" for x in row))
            console.print(t)
        else:
            terms = " ".join(f"{w:+.4g}*{p}" for w, p in zip(model.weights[i], pa, strict=True))
            console.print(escape(f"{name} = {model.intercepts[i]:.4g} {terms} + {model.sigmas[i]:.4g}*eps"))

