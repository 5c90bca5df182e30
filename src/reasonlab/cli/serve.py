"""``reasonlab serve RUN_OR_DIR... [--host 127.0.0.1] [--port 8765]``: the web lab
(:mod:`reasonlab.web`) over the runs at or under the given folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LOCAL = ("127.0.0.1", "localhost", "::1")


def serve_cmd(paths: Annotated[list[Path], typer.Argument(help="run folders or folders holding runs")],
              host: Annotated[str, typer.Option(
                  help="address to bind (default: this machine only)")] = "127.0.0.1",
              port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8765) -> None:
    """Serve the lab: runs with their curves and evals, and the boolean playground."""
    import uvicorn

    from ..web.app import build_app
    from ..web.catalog import Catalog

    catalog = Catalog(list(paths))
    runs = catalog.runs()
    if host not in LOCAL:
        typer.echo(f"warning: --host {host} makes the lab reachable from other machines; it has no "
                   "login -- bind 127.0.0.1 unless you mean it", err=True)
    typer.echo(f"{len(runs)} runs; the lab is at http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(build_app(catalog), host=host, port=port, log_level="warning")
