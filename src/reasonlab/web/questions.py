"""The causal question browser: the causal_qa datasets under the served folders, their questions
filtered by rung, difficulty bin and (for a run that evaluated them) correctness, and one
question in full -- the graph drawn, the prompt with its CPTs, the exact answer, the gold trace,
and each run's output beside it with the rule-based trace annotations of the study layer.

A dataset is a folder holding ``config.yaml`` (``task: causal_qa``), ``models/`` and split
files; a run's outputs for it are its ``eval/<dataset folder>-<split>.jsonl`` (what
``reasonlab eval --data DIR/split`` writes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx

from ..analysis.figures import new_figure, svg_text
from ..analysis.results import load_eval
from ..analysis.traces import TraceAnnotation, annotate, load_models
from ..causal.query import parse_query
from ..config import ConfigError, parse_yaml
from ..data.writer import read_split
from ..tasks import Example
from ..validation import read_text
from .catalog import Run

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Dataset:
    id: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def splits(self) -> list[str]:
        return [s for s in SPLITS if (self.path / f"{s}.jsonl").is_file()]


def find_datasets(roots: Sequence[Path]) -> list[Dataset]:
    found = set()
    for root in roots:
        for cfg in [root / "config.yaml", *root.rglob("config.yaml")]:
            folder = cfg.parent
            if cfg.is_file() and (folder / "models").is_dir() and any(folder.glob("*.jsonl")):
                data = parse_yaml(read_text(cfg, "dataset config"), f"dataset config {str(cfg)!r}")
                if isinstance(data, dict) and data.get("task") == "causal_qa":
                    found.add(folder.resolve())
    return [Dataset(hashlib.sha1(str(p).encode()).hexdigest()[:10], p) for p in sorted(found)]


@lru_cache(maxsize=8)
def _split(folder: Path, split: str, stamp: int) -> tuple[Example, ...]:  # stamp: re-read a new file
    return tuple(read_split(folder, split))


def examples(ds: Dataset, split: str) -> tuple[Example, ...]:
    if split not in ds.splits():
        raise ConfigError(f"split = {split!r}: dataset {ds.name!r} has {', '.join(ds.splits())}")
    f = ds.path / f"{split}.jsonl"
    return _split(ds.path, split, f.stat().st_mtime_ns)


@dataclass(frozen=True)
class Output:
    run: str
    text: str
    correct: bool


def outputs(ds: Dataset, split: str, runs: Sequence[Run]) -> dict[str, dict[str, Output]]:
    """run name -> example id -> its first sample, for every run that evaluated this split."""
    out: dict[str, dict[str, Output]] = {}
    for r in runs:
        f = r.path / "eval" / f"{ds.name}-{split}.jsonl"
        if f.is_file():
            out[r.name] = {row.id: Output(r.name, row.output, row.correct) for row in load_eval(f).rows}
    return out


@dataclass(frozen=True)
class Filters:
    rung: int | None = None
    bin: str | None = None  # easy / medium / hard of VE operations
    run: str | None = None
    correct: bool | None = None


def select(items: Sequence[Example], outs: dict[str, dict[str, Output]], f: Filters) -> list[int]:
    """Indices of the examples that pass the filters."""
    if f.run is not None and f.run not in outs:
        raise ConfigError(f"run = {f.run!r} has no outputs for this split; evaluated by: "
                          f"{', '.join(outs) or 'no run'}")
    keep = []
    for i, e in enumerate(items):
        if f.rung is not None and e.meta.get("rung") != f.rung:
            continue
        if f.bin is not None and (e.meta.get("bins") or {}).get("ve_ops") != f.bin:
            continue
        if f.run is not None and f.correct is not None:
            got = outs[f.run].get(e.id)
            if got is None or got.correct != f.correct:
                continue
        keep.append(i)
    return keep


def graph_svg(model, query: str) -> str:
    """The causal graph, parents above children: the query's target orange, intervened
    variables red, observed ones blue."""
    g = nx.DiGraph()
    g.add_nodes_from(model.names)
    g.add_edges_from((model.names[p], model.names[c]) for c, ps in enumerate(model.parents) for p in ps)
    for layer, nodes in enumerate(nx.topological_generations(g)):
        for n in nodes:
            g.nodes[n]["layer"] = layer
    pos = nx.multipartite_layout(g, subset_key="layer", align="horizontal")
    pos = {n: (x, -y) for n, (x, y) in pos.items()}
    q = parse_query(query)
    acted = {name for name, _ in (*q.do, *q.counterfactual)}
    seen = {name for name, _ in q.evidence}
    colours = ["#f4a261" if n == q.target else "#ef9a9a" if n in acted else "#90caf9" if n in seen
               else "#e0e0e0" for n in g.nodes]
    fig, ax = new_figure(3.2, 2.6)
    nx.draw_networkx(g, pos, ax=ax, node_color=colours, node_size=700, arrowsize=14, font_size=9)
    ax.set_axis_off()
    ax.set_title(query, fontsize=8)
    return svg_text(fig)


def annotation(ds: Dataset, e: Example, text: str) -> TraceAnnotation:
    return annotate(e, text, load_models(ds.path)[e.meta["model_id"]])
