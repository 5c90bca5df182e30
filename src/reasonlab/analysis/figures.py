"""Figures of the study layer, saved the same way everywhere: PNG and SVG side by side, written
atomically, with the dates and random ids matplotlib would embed removed so that the same
inputs give the same bytes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ..files import atomic_write_bytes

FORMATS = ("png", "svg")


def new_figure(width: float = 6.4, height: float = 4.0, **subplots) -> tuple[Figure, object]:
    """A figure not registered with pyplot's global state (nothing to close, thread-safe)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(**subplots) if subplots else fig.subplots()


def save_figure(fig: Figure, stem: str | Path) -> list[Path]:
    """``<stem>.png`` and ``<stem>.svg``; returns their paths."""
    stem = Path(stem)
    out = []
    with plt.rc_context({"svg.hashsalt": "reasonlab", "svg.fonttype": "path"}):
        for fmt in FORMATS:
            buf = io.BytesIO()
            meta = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(buf, format=fmt, dpi=120, metadata=meta)
            # appended, not with_suffix: a claim id such as spo_3.1 keeps its ".1"
            out.append(atomic_write_bytes(stem.with_name(f"{stem.name}.{fmt}"), buf.getvalue()))
    return out


def svg_text(fig: Figure) -> str:
    """The figure as inline SVG markup (for the HTML report)."""
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": "reasonlab", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return inline_svg(buf.getvalue())


def inline_svg(text: str) -> str:
    """An SVG file's markup for embedding in HTML: from ``<svg`` on, without the RDF metadata
    block (namespace URIs only, but no page needs them)."""
    text = text[text.index("<svg"):] if "<svg" in text else ""
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)

