"""The ``reasonlab`` command: one typer app whose command groups come from a registry.

Every user error (bad query, bad model file, bad option value) is caught here and printed as one
clear message on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import errno
import sys

import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from ..validation import InputError, describe
from . import (
    causal,
    compare,
    demo,
    evaluate,
    experiment,
    export,
    generate,
    plot,
    probe,
    report,
    serve,
    traces,
    train,
    trajectory,
)

app = typer.Typer(help="reasonlab: exact causal reasoning problems, training and study of "
                  "reasoning models.", no_args_is_help=True, add_completion=False)

# name -> typer sub-app; groups are looked up here, not in if-chains
GROUPS: dict[str, typer.Typer] = {"causal": causal.app, "train": train.app, "trajectory": trajectory.app,
                                  "experiment": experiment.app, "probe": probe.app}
for _name, _group in GROUPS.items():
    app.add_typer(_group, name=_name)
# name -> command function
COMMANDS = {"demo": demo.demo, "generate": generate.generate, "export": export.export_cmd,
            "eval": evaluate.evaluate, "test": evaluate.test_cmd, "compare": compare.compare_cmd,
            "plot": plot.plot_cmd, "data-stats": compare.data_stats_cmd, "report": report.report_cmd,
            "traces": traces.traces_cmd, "serve": serve.serve_cmd}
for _name, _command in COMMANDS.items():
    app.command(_name)(_command)

err_console = Console(stderr=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    try:
        result = app(args=argv, standalone_mode=False)
    except (click.exceptions.Exit, typer.Exit) as e:
        return e.exit_code
    except (click.exceptions.Abort, typer.Abort):
        err_console.print("aborted")
        return 130
    except (InputError, ValidationError, OSError) as e:
        return _fail(user_message(e))
    except Exception as e:
        # usage errors of click or of typer's vendored click: both carry show() and exit_code
        if hasattr(e, "format_message") and hasattr(e, "exit_code"):
            ctx = getattr(e, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            err_console.print(f"[red]error:[/red] {escape(e.format_message())}{escape(hint)}",
                              highlight=False, soft_wrap=True)
            return int(e.exit_code)
        raise
    return result if isinstance(result, int) else 0


def _fail(message: str) -> int:
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return 2


def user_message(e: InputError | ValidationError | OSError) -> str:
    """The one line a user sees for an error they can fix (input, option, file system)."""
    if isinstance(e, ValidationError):
        return describe(e, "option")
    return os_message(e) if isinstance(e, OSError) else str(e)


def os_message(e: OSError) -> str:
    """One line for a file-system failure: what, where, and what to do."""
    where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
    fixes = {errno.ENOSPC: "free some space or write elsewhere",
             errno.EACCES: "choose a folder you can write to, or fix its permissions",
             errno.EPERM: "choose a folder you can write to, or fix its permissions",
             errno.EEXIST: "a file is in the way; remove it or choose another path",
             errno.ENOTDIR: "a file stands where a folder is needed; choose another path",
             errno.EROFS: "the file system is read-only; write elsewhere"}
    what = e.strerror or type(e).__name__
    fix = fixes.get(e.errno or -1, "check the path")
    return f"{what}: {where}; {fix}" if where else f"{what}; {fix}"


def run() -> None:
    sys.exit(main())
