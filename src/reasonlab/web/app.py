"""The lab's routes (FastHTML): runs, one run, the boolean playground and its answer fragment.

A request from htmx (header ``HX-Request``) gets the fragment it swaps in; any other gets a full
page with the vendored htmx. Bad input -- an unknown run, a run that is not a boolean world, an
input that is not bits, a head the model lacks -- is one message in the page: status 400 for a
page, 200 for an htmx fragment (htmx does not swap error responses), never a 500.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from fasthtml.common import (
    H1,
    H2,
    A,
    Body,
    Button,
    Details,
    Div,
    FastHTML,
    FileResponse,
    Form,
    Head,
    Html,
    Input,
    Label,
    Link,
    Main,
    Meta,
    NotStr,
    Option,
    P,
    Pre,
    Progress,
    Script,
    Select,
    Span,
    Style,
    Summary,
    Table,
    Td,
    Textarea,
    Th,
    Title,
    Tr,
    to_xml,
)
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..analysis.compare import compare
from ..analysis.curves import curve, group_runs, plot_metric, read_run
from ..analysis.figures import new_figure, svg_text
from ..analysis.heatmaps import Panel, heatmap_svg
from ..analysis.report import comparison_html
from ..analysis.results import System, default_name, group_by_seed, load_eval
from ..analysis.traces import load_models
from ..config import ConfigError
from ..interp import WeightEdit
from ..validation import InputError, describe, read_json
from .catalog import Catalog, Run
from .playground import Answer, Manipulation, answer, parse_neurons, world_of
from .questions import Filters, annotation, examples, find_datasets, graph_svg, outputs, select
from .rules import NAME, check, generate, truth_table, world_text
from .training import Job, Trainer

STATIC = Path(__file__).parent / "static"
CURVES = ("train/loss", "eval/dev/exact", "train/score", "actor/entropy", "response_length/mean")
CSS = """body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:72rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem}
.bad{color:#b00020}.ok{color:#1b5e20}.error{background:#fde7e9;padding:.5rem;border:1px solid #b00020}
.bits label{margin-right:1rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto}"""


def _page(title: str, *body) -> HTMLResponse:
    doc = Html(Head(Meta(charset="utf-8"), Title(title), Link(rel="icon", href="data:,"), Style(CSS),
                    Script(src="/static/htmx.min.js")),
               Body(Main(H1(title), *body)))
    return HTMLResponse(to_xml(doc))


def _error(message: str) -> Div:
    return Div(message, cls="error", id="error")


def guarded(fn: Callable) -> Callable:
    """A user's mistake becomes a message (400 page, 200 htmx fragment), never a traceback."""
    @wraps(fn)
    async def run(request: Request, *args, **kwargs):
        try:
            return await fn(request, *args, **kwargs)
        except (InputError, ValidationError) as e:
            text = describe(e, "form") if isinstance(e, ValidationError) else str(e)
            if request.headers.get("HX-Request"):  # keep the swapped element's id for the next swap
                target = request.headers.get("HX-Target") or "answer"
                return HTMLResponse(to_xml(Div(_error(text), id=target)))
            doc = _page("reasonlab lab: error", _error(text), P(A("back to the runs", href="/")))
            doc.status_code = 400
            return doc
    return run


def _headline(metric: str) -> bool:
    return "exact" in metric or "score" in metric or metric == "train/loss"


def _runs_table(catalog: Catalog) -> Table:
    rows = [Tr(Th("run"), Th("steps"), Th("last metrics"), Th(""))]
    for r in catalog.runs():
        m = read_run(r.path)
        last = m.rows[-1] if m.rows else {}
        shown = ", ".join(f"{k}={v:.3g}" for k, v in last.items() if isinstance(v, float) and _headline(k))
        boolean = (r.task() or {}).get("task") == "boolean_world"
        play = A("playground", href=f"/play/{r.id}") if boolean else ""
        pick = Input(type="checkbox", name="ids", value=r.id, id=f"pick-{r.id}")
        rows.append(Tr(Td(pick, A(r.name, href=f"/runs/{r.id}")), Td(str(last.get("step", ""))), Td(shown),
                       Td(play)))
    return Form(Table(*rows, id="runs"), Button("compare the ticked runs", id="compare"),
                action="/compare", method="get")


def _curves(run: Run) -> Div:
    """The run's curves; while it trains (no final model yet) the fragment polls itself."""
    metrics = read_run(run.path)
    figs = [Div(NotStr(svg_text(plot_metric([c], m, "step"))), cls="curve")
            for m in CURVES if m in metrics.names() and (c := curve([metrics], m))]
    live = run.model_folder() is None
    poll = ({"hx_get": f"/runs/{run.id}/curves", "hx_trigger": "every 2s", "hx_swap": "outerHTML"}
            if live else {})
    state = P(f"training: step {metrics.rows[-1]['step'] if metrics.rows else 0}", id="live") if live else ""
    return Div(state, *figs, id="curves", **poll)


def _run_view(run: Run) -> list:
    parts: list = [P(str(run.path)), _curves(run)]
    for f in sorted((run.path / "eval").glob("*.summary.json")):
        s = read_json(f, "eval summary")
        rows = [Tr(Th("slice"), Th("n"), Th("prompts"), Th("exact"))]
        for k, v in [("all", s), *s.get("slices", {}).items()]:
            rows.append(Tr(Td(k), Td(str(v.get("n"))), Td(str(v.get("prompts", ""))),
                           Td(f"{v.get('exact_match', 0):.3f}")))
        parts += [H2(f"eval: {f.name.removesuffix('.summary.json')}"), Table(*rows)]
    config = (run.path / "config.yaml").read_text() if (run.path / "config.yaml").is_file() else ""
    parts.append(Details(Summary("config"), Pre(config)))
    return parts


def _answer_view(a: Answer) -> Div:
    rows = [Tr(Th("field"), Th("rules"), Th("model"), Th(""))]
    for f in a.fields:
        rows.append(Tr(Td(f.name), Td(str(f.rules)), Td("-" if f.model is None else str(f.model)),
                       Td("ok" if f.ok else "wrong", cls="ok" if f.ok else "bad")))
    svg = ""
    if a.attention is not None:
        L, H = a.attention.shape[:2]
        panels = [Panel(a.attention[i, h], f"layer {i} head {h}", a.tokens, a.tokens)
                  for i in range(L) for h in range(H)]
        svg = heatmap_svg(panels, "key", "query", columns=H, vmin=0.0, vmax=1.0, colorbar="attention")
    verdict = Span("exact" if a.exact else "not exact", cls="ok" if a.exact else "bad", id="verdict")
    extra: list = []
    if a.lens is not None:
        layers = ["embed", *[f"block {i}" for i in range(a.lens.shape[0] - 1)]]
        extra.append(Div(NotStr(heatmap_svg([Panel(a.lens, "logit lens", layers, list(a.answer_tokens))],
                                            "token written", "read after", columns=1, vmin=0.0, vmax=1.0,
                                            colorbar="p(token)")), cls="lens"))
    if a.effects:
        n = len(a.fields)
        head_rows = [Tr(Th("head ablated"), Th("answer"), Th("fields right"))]
        head_rows += [Tr(Td(f"L{e.layer}H{e.head}"), Td(repr(e.text)), Td(f"{e.fields_right}/{n}"))
                      for e in a.effects]
        extra.append(Table(*head_rows, id="effects"))
    return Div(P("input ", Span(a.prompt, id="shown-input"), ": model ", Span(repr(a.model), id="model-text"),
                 " ", verdict), Table(*rows, id="fields"), Div(NotStr(svg), cls="attention"), *extra,
               id="answer")


def _change(form, n_layer: int, n_head: int) -> Manipulation:
    target = str(form.get("edit_target") or "").strip()
    edit = None
    if target:
        try:
            value, step = float(form.get("edit_value") or 1.0), int(form.get("edit_step") or 0)
        except ValueError:
            raise ConfigError(f"edit value = {form.get('edit_value')!r}, from step = "
                              f"{form.get('edit_step')!r}: give a number and a whole step, "
                              "e.g. 0.5 and 2") from None
        edit = WeightEdit(target, str(form.get("edit_op") or "zero"), value, step)
    neurons = parse_neurons(str(form.get("neurons") or ""))
    return Manipulation(tuple(_heads(form, n_layer, n_head)), neurons, edit)


def _heads(form, n_layer: int, n_head: int) -> list[tuple[int, int]]:
    return [(i, h) for i in range(n_layer) for h in range(n_head) if form.get(f"h{i}_{h}")]


def _bits(form, n: int) -> str:
    return ",".join("1" if form.get(f"b{i}") else "0" for i in range(n))


def _dataset(catalog: Catalog, did: str):
    for d in find_datasets(catalog.roots):
        if d.id == did:
            return d
    raise ConfigError(f"dataset {did!r}: no such causal_qa dataset under the served folders; pick one "
                      "from /questions")


def _int(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{field} = {value!r}: give a whole number, e.g. 2") from None


def _filters(q) -> Filters:
    b = q.get("bin") or None
    if b not in (None, "easy", "medium", "hard"):
        raise ConfigError(f"bin = {b!r}: choose easy, medium or hard")
    c = q.get("correct") or None
    if c not in (None, "yes", "no"):
        raise ConfigError(f"correct = {c!r}: choose yes or no")
    return Filters(rung=_int(q.get("rung"), "rung"), bin=b, run=q.get("run") or None,
                   correct=None if c is None else c == "yes")


def _mark(got) -> Td:
    if got is None:
        return Td("-")
    return Td("ok", cls="ok") if got.correct else Td("wrong", cls="bad")


def _question_rows(did: str, split: str, items, outs, keep: list[int]) -> Table:
    runs = list(outs)
    rows = [Tr(Th("#"), Th("rung"), Th("bin"), Th("query"), Th("answer"), *[Th(r) for r in runs])]
    for i in keep[:200]:
        e = items[i]
        marks = [_mark(outs[r].get(e.id)) for r in runs]
        rows.append(Tr(Td(A(str(i), href=f"/questions/{did}/{split}/{i}")), Td(str(e.meta.get("rung"))),
                       Td(str((e.meta.get("bins") or {}).get("ve_ops", ""))), Td(e.meta.get("query", "")),
                       Td(e.answer), *marks))
    return Div(P(f"{len(keep)} questions" + (" (first 200 shown)" if len(keep) > 200 else "")),
               Table(*rows), id="qlist")


def _annotation_view(a) -> Div:
    flags = [("strategy", a.strategy.name if hasattr(a.strategy, "name") else str(a.strategy)),
             ("graph surgery", a.surgery.verdict if a.surgery else "-"),
             ("false independence claims", "; ".join(str(c) for c in a.false_claims) or "none"),
             ("missing marginalisation", ", ".join(a.missing) or "none"),
             ("extra marginalisation", ", ".join(a.extra) or "none"),
             ("arithmetic slips", str(len(a.arithmetic))),
             ("copy error", str(a.copy_error)),
             ("modeling error", str(a.modeling_error))]
    return Table(*[Tr(Th(k), Td(v)) for k, v in flags], cls="annotation")


def _check_view(text: str) -> Div:
    try:
        world = check(text)
    except InputError as e:
        return Div(Pre(str(e), cls="error"), id="check")
    rows = [Tr(*[Th(n) for n in world.inputs], Th("completion"))]
    for r in truth_table(world):
        rows.append(Tr(*[Td(str(b)) for b in r.inputs], Td(Pre(r.completion.strip()))))
    noise = f" (noise bits {', '.join(world.noise)} at 0)" if world.noise else ""
    shown = f": {len(world.inputs)} inputs -> {', '.join(world.outputs)}{noise}"
    return Div(P(Span("valid", cls="ok"), shown), Table(*rows, id="truth"), id="check")


def _status_view(job: Job) -> Div:
    live = job.state == "running"
    losses = [(r["step"], r["train/loss"]) for r in job.rows if "train/loss" in r]
    parts = [P(f"{job.run.name}: {job.state}, step {job.step} of {job.total}", id="train-state"),
             Progress(value=str(job.step), max=str(job.total))]
    if job.message:
        parts.append(_error(job.message))
    if len(losses) >= 2:
        fig, ax = new_figure(4.8, 2.6)
        ax.plot([x for x, _ in losses], [y for _, y in losses])
        ax.set_xlabel("step")
        ax.set_ylabel("train/loss")
        parts.append(Div(NotStr(svg_text(fig)), cls="curve"))
    if live:
        parts.append(Button("stop", hx_post=f"/train/stop/{job.id}", hx_target="#training",
                            hx_swap="outerHTML", id="stop"))
    else:
        parts.append(P(A("the run", href="/"), " is in the runs list (with its playground)"))
    poll = ({"hx_get": f"/train/status/{job.id}", "hx_trigger": "every 1s", "hx_swap": "outerHTML"}
            if live else {})
    return Div(*parts, id="training", **poll)


def _compare_view(runs: list[Run]) -> list:
    """Curves of the runs overlaid (runs that differ only in seed as one band) and, for each eval
    file two or more systems share, the study layer's comparison table with significance."""
    if len(runs) < 2:
        raise ConfigError(f"compare: tick at least two runs (got {len(runs)})")
    metrics = [read_run(r.path) for r in runs]
    groups = group_runs(metrics)
    parts: list = []
    for m in CURVES:
        curves = [c for g in groups if (c := curve(g, m))]
        if curves:
            parts.append(Div(NotStr(svg_text(plot_metric(curves, m, "step"))), cls="curve"))
    by_name: dict[str, list] = {}
    for r in runs:
        for f in sorted((r.path / "eval").glob("*.jsonl")):
            by_name.setdefault(f.name, []).append(load_eval(f))
    for name, files in by_name.items():
        systems = [System(default_name(g), tuple(g)) for g in group_by_seed(files)]
        if len(systems) >= 2 and len({x.name for x in systems}) == len(systems):
            parts += [H2(f"comparison on {name}"), NotStr(comparison_html(compare(systems)))]
    if len(parts) == 0:
        parts.append(P("these runs logged none of the plotted metrics and share no eval file"))
    return parts


def build_app(catalog: Catalog) -> FastHTML:
    app = FastHTML(default_hdrs=False, secret_key="reasonlab-lab", key_fname="/dev/null")

    @app.route("/static/htmx.min.js")
    def htmx_js():
        return FileResponse(STATIC / "htmx.min.js", media_type="text/javascript")

    @app.route("/")
    @guarded
    async def index(request: Request):
        where = P(f"runs under {', '.join(map(str, catalog.roots))}")
        return _page("reasonlab lab", where, P(A("causal question browser", href="/questions")),
                     P(A("rules editor", href="/rules")), _runs_table(catalog))

    @app.route("/runs/{rid}")
    @guarded
    async def run_page(request: Request, rid: str):
        run = catalog.run(rid)
        return _page(f"run {run.name}", *_run_view(run), P(A("all runs", href="/")))

    @app.route("/runs/{rid}/curves")
    @guarded
    async def run_curves(request: Request, rid: str):
        return HTMLResponse(to_xml(_curves(catalog.run(rid))))

    @app.route("/play/{rid}")
    @guarded
    async def play(request: Request, rid: str):
        run = catalog.run(rid)
        world = world_of(run)
        model, tok, lock = catalog.model(run)
        n_layer, n_head = model.config.num_hidden_layers, model.config.num_attention_heads
        bits = [Label(Input(type="checkbox", name=f"b{i}", id=f"b{i}"), name)
                for i, name in enumerate(world.inputs)]
        heads = [Label(Input(type="checkbox", name=f"h{i}_{h}", id=f"h{i}_{h}"), f"L{i}H{h}")
                 for i in range(n_layer) for h in range(n_head)]
        draw = Label(Input(type="checkbox", name="attention", id="attention"), "draw attention (slower)")
        typed = Label("or type a prompt ", Input(name="prompt", id="prompt", size=36,
                                                 placeholder="1,0,1,0,1 do(...) or 1,0,1,0,1 -> ... do(...)"))
        lens = Label(Input(type="checkbox", name="lens", id="lens"), "logit lens")
        effects = Label(Input(type="checkbox", name="effects", id="effects"), "each head ablated")
        neurons = Label("ablate neurons ", Input(name="neurons", id="neurons", size=14,
                                                 placeholder="0:3, 1:17"))
        edit = P("weight edit: ", Input(name="edit_target", id="edit-target", size=34,
                                        placeholder="transformer.h.0.mlp.c_fc.weight[:, 0:16]"),
                 Select(*[Option(o, value=o) for o in ("zero", "flip", "scale", "noise")], name="edit_op",
                        id="edit-op"),
                 Label(" value ", Input(name="edit_value", id="edit-value", value="1.0", size=4)),
                 Label(" from step ", Input(name="edit_step", id="edit-step", value="0", size=3)))
        form = Form(Div(*bits, cls="bits"), P(typed), P("ablate heads: ", *heads, " ", neurons), edit,
                    P("show: ", draw, lens, effects),
                    Button("answer", type="submit"),
                    hx_post=f"/play/{rid}/answer", hx_target="#answer", hx_swap="outerHTML",
                    hx_trigger="change, submit", id="play")
        first = _answer_view(answer(model, tok, lock, world, ",".join("0" * len(world.inputs)), draw=False))
        return _page(f"playground: {run.name}", P(f"world {html.escape(world.name)}: inputs "
                     f"{', '.join(world.inputs)} -> {', '.join(world.outputs)}"), form, first,
                     P(A("all runs", href="/")))

    @app.route("/play/{rid}/answer", methods=["post"])
    @guarded
    async def play_answer(request: Request, rid: str):
        run = catalog.run(rid)
        world = world_of(run)
        model, tok, lock = catalog.model(run)
        form = await request.form()
        inputs = form.get("prompt") or form.get("inputs") or _bits(form, len(world.inputs))
        change = _change(form, model.config.num_hidden_layers, model.config.num_attention_heads)
        def work():  # off the event loop: other requests go on while the model answers
            return _answer_view(answer(model, tok, lock, world, str(inputs), draw=bool(form.get("attention")),
                                       change=change, lens=bool(form.get("lens")),
                                       effects=bool(form.get("effects"))))

        view = await run_in_threadpool(work)
        return HTMLResponse(to_xml(view)) if request.headers.get("HX-Request") else _page("answer", view)

    @app.route("/questions")
    @guarded
    async def datasets(request: Request):
        rows = [Tr(Th("dataset"), Th("splits"))]
        for d in find_datasets(catalog.roots):
            rows.append(Tr(Td(A(d.name, href=f"/questions/{d.id}")), Td(", ".join(d.splits()))))
        return _page("causal questions", P(f"{len(rows) - 1} causal_qa datasets"),
                     Table(*rows, id="datasets"), P(A("all runs", href="/")))

    @app.route("/questions/{did}")
    @guarded
    async def question_list(request: Request, did: str):
        ds = _dataset(catalog, did)
        q = request.query_params
        split = q.get("split") or ds.splits()[-1]
        items, outs = examples(ds, split), outputs(ds, split, catalog.runs())
        view = _question_rows(did, split, items, outs, select(items, outs, _filters(q)))
        if request.headers.get("HX-Request"):
            return HTMLResponse(to_xml(view))
        pick = [Label(k, Input(name=k, value=q.get(k, ""), size=6))
                for k in ("rung", "bin", "run", "correct")]
        form = Form(Label("split", Input(name="split", value=split, size=6)), *pick, Button("filter"),
                    hx_get=f"/questions/{did}", hx_target="#qlist", hx_swap="outerHTML", id="filters")
        return _page(f"questions: {ds.name}", P("bin: easy / medium / hard (VE operations); run: a run "
                     f"that evaluated this split ({', '.join(outs) or 'none yet'}); correct: yes / no"),
                     form, view, P(A("datasets", href="/questions")))

    @app.route("/questions/{did}/{split}/{index}")
    @guarded
    async def question(request: Request, did: str, split: str, index: str):
        ds = _dataset(catalog, did)
        items = examples(ds, split)
        i = _int(index, "index")
        if not 0 <= i < len(items):
            raise ConfigError(f"index = {i}: {ds.name}/{split} has questions 0..{len(items) - 1}")
        e = items[i]
        model = load_models(ds.path)[e.meta["model_id"]]
        parts = [Div(NotStr(graph_svg(model, e.meta["query"])), cls="graph"), H2("prompt"),
                 Pre(e.text()), P("exact answer: ", Span(e.answer, id="gold")), H2("gold trace"),
                 Pre(e.completion)]
        for name, outs in outputs(ds, split, catalog.runs()).items():
            got = outs.get(e.id)
            if got is None:
                continue
            verdict = Span("correct" if got.correct else "wrong", cls="ok" if got.correct else "bad")
            parts += [H2(f"{name}: ", verdict), Pre(got.text), _annotation_view(annotation(ds, e, got.text))]
        back = P(A("back to the list", href=f"/questions/{did}?split={split}"))
        return _page(f"{ds.name}/{split} #{i}", *parts, back)

    trainer = Trainer()
    root = catalog.roots[0]

    @app.route("/rules")
    @guarded
    async def rules_page(request: Request):
        text = world_text()
        editor = Form(Textarea(text, name="world", id="world", rows=14, cols=72, hx_post="/rules/check",
                               hx_trigger="keyup changed delay:400ms", hx_target="#check",
                               hx_swap="outerHTML"), id="editor")
        fields = [Label(k, Input(name=k, id=f"size-{k}", value=v, size=6))
                  for k, v in (("train", "2000"), ("dev", "200"), ("test", "200"))]
        name = Label("dataset name", Input(name="name", id="data-name", value="my_world", size=16))
        gen = Form(name, *fields,
                   Label("held-out inputs", Input(name="omit", id="omit", value="", size=20,
                                                  placeholder="1,0,1,0,1;0,0,0,0,0")),
                   Button("generate", id="generate"), hx_post="/rules/generate", hx_include="#world",
                   hx_target="#generated", hx_swap="outerHTML", id="gen")
        where = P(f"datasets go to {root / 'data'}, runs to {root / 'runs'}")
        return _page("rules editor", where, editor, _check_view(text), H2("generate a dataset"), gen,
                     Div(id="generated"), Div(id="training"), P(A("all runs", href="/")))

    @app.route("/rules/check", methods=["post"])
    @guarded
    async def rules_check(request: Request):
        form = await request.form()
        return HTMLResponse(to_xml(_check_view(str(form.get("world", "")))))

    @app.route("/rules/generate", methods=["post"])
    @guarded
    async def rules_generate(request: Request):
        form = await request.form()
        sizes = {k: form.get(k, "") for k in ("train", "dev", "test")}
        out, counts = generate(str(form.get("world", "")), root, str(form.get("name", "")), sizes,
                               str(form.get("omit", "")))
        train = Form(Input(type="hidden", name="data", value=out.name),
                     Label("run name", Input(name="run", id="run-name", value=f"{out.name}_sft", size=16)),
                     Label("steps", Input(name="steps", id="steps", value="300", size=6)),
                     Button("train", id="train"), hx_post="/train/start", hx_target="#training",
                     hx_swap="outerHTML")
        done = P(Span("wrote", cls="ok"), f" {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        return HTMLResponse(to_xml(Div(done, train, id="generated")))

    @app.route("/train/start", methods=["post"])
    @guarded
    async def train_start(request: Request):
        form = await request.form()
        data = str(form.get("data", ""))
        if not NAME.match(data) or not (root / "data" / data / "train.jsonl").is_file():
            raise ConfigError(f"dataset = {data!r}: no dataset of that name under {root / 'data'}; "
                              "generate one first")
        job = trainer.start(root / "data" / data, root, str(form.get("run", "")),
                            str(form.get("steps", "")))
        return HTMLResponse(to_xml(_status_view(job)))

    @app.route("/train/status/{job_id}")
    @guarded
    async def train_status(request: Request, job_id: str):
        return HTMLResponse(to_xml(_status_view(trainer.job(job_id))))

    @app.route("/train/stop/{job_id}", methods=["post"])
    @guarded
    async def train_stop(request: Request, job_id: str):
        job = trainer.job(job_id)
        job.stop.set()
        return HTMLResponse(to_xml(_status_view(job)))

    @app.route("/compare")
    @guarded
    async def compare_page(request: Request):
        runs = [catalog.run(i) for i in request.query_params.getlist("ids")]
        names = ", ".join(r.name for r in runs)
        parts = await run_in_threadpool(_compare_view, runs)
        return _page("compare runs", P(names), *parts, P(A("all runs", href="/")))

    return app
