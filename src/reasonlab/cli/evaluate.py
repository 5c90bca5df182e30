"""``reasonlab eval RUN_OR_CHECKPOINT --data DIR/split`` and ``reasonlab test RUN INPUT``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..config import ConfigError, parse_yaml
from ..files import atomic_write_text
from ..validation import read_text

console = Console()


def model_folder(path: Path) -> Path:
    """A run's ``final/`` or a checkpoint / model folder itself."""
    if (path / "final" / "config.json").is_file():
        return path / "final"
    if (path / "config.json").is_file():
        return path
    raise ConfigError(f"{path}: neither a run folder with final/ nor a model folder with config.json")


def run_root(path: Path) -> Path | None:
    """The run folder ``path`` is or lies in (a run, its final/, or one of its checkpoints)."""
    for candidate in (path, path.parent, path.parent.parent):
        if (candidate / "metrics.jsonl").is_file() or (candidate / "checkpoints").is_dir():
            return candidate
    return None


def eval_dir(path: Path) -> Path:
    """Where results go: the run's ``eval/`` (for a run, its final/ or a checkpoint)."""
    return (run_root(path) or path) / "eval"


def run_task(path: Path) -> dict | None:
    """The ``data.task`` section of the config of the run ``path`` belongs to, if it has one."""
    root = run_root(path)
    if root is None or not (root / "config.yaml").is_file():
        return None
    config = root / "config.yaml"
    data = parse_yaml(read_text(config, "run config"), f"run config {str(config)!r}")
    task = ((data if isinstance(data, dict) else {}).get("data") or {}).get("task")
    return task if isinstance(task, dict) else None


def read_data(spec: str) -> tuple[list, str]:
    from ..data.writer import read_split

    p = Path(spec)
    if p.suffix == ".jsonl" and p.is_file():
        folder, split = p.parent, p.stem
    else:
        folder, split = p.parent, p.name
    if not (folder / f"{split}.jsonl").is_file():
        raise ConfigError(f"--data {spec!r}: no {folder / (split + '.jsonl')}; give DIR/split, e.g. "
                          "data/n5i/dev")
    examples = read_split(folder, split)
    if not examples:
        raise ConfigError(f"--data {spec!r}: {folder / (split + '.jsonl')} holds no examples; give a "
                          "non-empty split")
    return examples, f"{folder.name}-{split}"


def check_task(run: Path, examples: list) -> None:
    """A run trained on one task, evaluated on another's data, is refused up front."""
    trained = (run_task(run) or {}).get("task")
    given = sorted({e.task for e in examples})
    if trained and given != [trained]:
        raise ConfigError(f"--data: the examples are {', '.join(given)} but the run {str(run)!r} was "
                          f"trained on {trained}; evaluate it on {trained} data")


def check_reward(reward: str | None, examples: list) -> None:
    """``--reward`` must be a mode every task of the examples declares (checked before any work)."""
    from ..tasks import get_task

    for name in sorted({e.task for e in examples}):
        problem = get_task(name).reward_problem(reward)
        if problem:
            raise ConfigError(f"--reward {reward!r}: {problem}")


def write_results(run: Path, examples: list, name: str, samples: int = 1, temperature: float = 0.0,
                  top_p: float = 1.0, max_new_tokens: int | None = None, batch_size: int = 64,
                  reward: str | None = None) -> dict:
    """Evaluate the model of ``run`` on ``examples``: ``eval/<name>.jsonl`` (one row per example)
    and ``eval/<name>.summary.json`` in the run's folder; returns the summary."""
    from ..eval.generation import generate, score
    from ..eval.report import row, summarise
    from ..models import load_pretrained

    check_task(run, examples)
    check_reward(reward, examples)
    model, tok = load_pretrained(model_folder(run))
    longest = max(len(tok(e.completion, add_special_tokens=False)["input_ids"]) for e in examples)
    sampled = temperature > 0 or samples > 1
    texts = generate(model, tok, examples, max_new_tokens or longest + 8, batch_size=batch_size,
                     do_sample=sampled, temperature=temperature or 1.0, top_p=top_p, n=samples)
    per_example = [score([e] * len(t), t, reward) for e, t in zip(examples, texts, strict=True)]
    summary = summarise(per_example)
    out = eval_dir(run)
    atomic_write_text(out / f"{name}.jsonl", "".join(
        json.dumps(row(e, g), ensure_ascii=False) + "\n" for e, g in zip(examples, per_example, strict=True)))
    atomic_write_text(out / f"{name}.summary.json", json.dumps(summary, indent=1) + "\n")
    return summary


def evaluate(
    run: Annotated[Path, typer.Argument(help="run folder (uses final/) or a checkpoint folder")],
    data: Annotated[str, typer.Option(help="DIR/split of a generated dataset, e.g. data/n5i/dev")],
    name: Annotated[str | None, typer.Option(help="results name (default: <dataset>-<split>)")] = None,
    samples: Annotated[int, typer.Option(min=1, help="samples per prompt (pass@k)")] = 1,
    temperature: Annotated[float, typer.Option(min=0.0, help="0: greedy")] = 0.0,
    top_p: Annotated[float, typer.Option(min=0.0, max=1.0)] = 1.0,
    max_new_tokens: Annotated[int | None, typer.Option(min=1, help="default: longest answer + 8")] = None,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    limit: Annotated[int | None, typer.Option(min=1, help="first N examples only")] = None,
    reward: Annotated[str | None, typer.Option(
        help="reward mode, one of the task's (default: the one the dataset was generated with)")] = None,
) -> None:
    """Generate on a dataset split, score with the task verifier, write eval/<name>.jsonl and
    eval/<name>.summary.json, print the summary by slice."""
    examples, default_name = read_data(data)
    examples = examples[:limit] if limit else examples
    name = name or default_name
    summary = write_results(run, examples, name, samples=samples, temperature=temperature, top_p=top_p,
                            max_new_tokens=max_new_tokens, batch_size=batch_size, reward=reward)
    out = eval_dir(run)
    table = Table(title=f"{name}: {summary['n']} examples, {summary['prompts']} distinct prompts",
                  show_edge=False)
    for col in ("slice", "n", "prompts", "exact_match", "reward"):
        table.add_column(col)
    for label, s in [("all", summary), *summary["slices"].items()]:
        table.add_row(label, str(s["n"]), str(s["prompts"]), f"{s['exact_match']:.3f}", f"{s['reward']:.3f}")
    console.print(table)
    for k, v in summary["pass@k"].items():
        typer.echo(f"{k} = {v:.3f}")
    typer.echo(f"wrote {out / (name + '.jsonl')} and {out / (name + '.summary.json')}")


def compare_run(model_dir: Path, sequence: str) -> tuple[str, str, list[tuple[str, str, str]]]:
    """(rules' completion, model's completion, [(field, rules, model)]) for one typed input, through
    the task interface of the run's task (``boolean_world`` when the run records none)."""
    from ..eval.generation import generate
    from ..models import load_pretrained
    from ..tasks import task_config

    task, config = task_config(run_task(model_dir) or {"task": "boolean_world"},
                               source="run config data.task")
    if task.probe is None or task.compare is None:
        raise ConfigError(f"`reasonlab test` needs a task with typed inputs; {task.name} has none "
                          "(use `reasonlab eval` instead)")
    example = task.probe(config, sequence)
    model, tok = load_pretrained(model_dir)
    said = generate(model, tok, [example], max_new_tokens=len(example.answer) + 8)[0][0]
    return example.answer, said, task.compare(example, said)


def test_cmd(
    run: Annotated[Path, typer.Argument(help="run folder (uses final/) or a model folder")],
    sequence: Annotated[str, typer.Argument(help="an input, e.g. '1,0,1,0,1'")],
) -> None:
    """The rules' answer and the model's side by side, each field marked right or wrong."""
    rules, said, fields = compare_run(model_folder(run), sequence)
    print_comparison(sequence, rules, said, fields)


def print_comparison(sequence: str, rules: str, said: str, fields) -> None:
    table = Table(title=f"input {sequence}", show_edge=False)
    for col in ("field", "rules", "model", ""):
        table.add_column(col)
    for name, gold, got in fields:
        ok = gold == got
        table.add_row(name, gold, got, "[green]right[/green]" if ok else "[red]wrong[/red]")
    console.print(table)
    typer.echo(f"rules: {rules!r}\nmodel: {said!r}")
