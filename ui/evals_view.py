"""The evaluator's view: score the pipeline on a folder of labelled calls (contract section 5) and look at where
it goes wrong: headline scores, per-factor table, status and pathway confusion, errors with quotes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.evaluation.report import TARGETS, headline
from assistant.evaluation.run import evaluate
from assistant.evaluation.scoring import Scores
from assistant.labelled import load_labelled_dir
from assistant.settings import PROJECT_ROOT
from assistant.transcript_io import InputError
from ui.context import Workspace
from ui.messages import failure, success

PROGRESS = gr.Progress()  # Gradio gives each event its own tracker in place of this default
DATA_ROOT = PROJECT_ROOT / "evals" / "data"
DEFAULT_FOLDER = DATA_ROOT / "dev"
FACTOR_COLUMNS = ["factor", "support", "tp", "fp", "fn", "precision", "recall", "f1"]
ERROR_COLUMNS = ["call", "error", "factor", "predicted", "gold", "quote"]


def folders() -> list[str]:
    if not DATA_ROOT.is_dir():
        return [str(DEFAULT_FOLDER)]
    return sorted(str(p) for p in DATA_ROOT.iterdir() if p.is_dir() and any(p.glob("*.json"))) or [str(DEFAULT_FOLDER)]


@dataclass
class EvalTables:
    summary: str
    headline: pd.DataFrame
    per_factor: pd.DataFrame
    status_long: pd.DataFrame
    pathway_long: pd.DataFrame
    errors: pd.DataFrame


def _long(confusion: dict[str, dict[str, int]]) -> pd.DataFrame:
    rows = [{"gold": g, "predicted": p, "count": n} for g, row in confusion.items() for p, n in row.items() if n]
    return pd.DataFrame(rows, columns=["gold", "predicted", "count"])


def tables(scores: Scores, method: str, folder: Path) -> EvalTables:
    head = []
    for key, value in headline(scores).items():
        target = TARGETS.get(key)
        ok = "" if target is None else ("yes" if (value <= target if key.startswith("negation") else value >= target)
                                         else "no")  # fmt: skip
        head.append({"score": key, "value": round(float(value), 3), "target": target, "met": ok})
    per_factor = pd.DataFrame(
        [{"factor": f, **{c: (round(float(r[c]), 3) if isinstance(r[c], float) else r[c]) for c in FACTOR_COLUMNS[1:]}}
         for f, r in scores.per_factor.items()],
        columns=FACTOR_COLUMNS,
    )  # fmt: skip
    errors = pd.DataFrame(
        [{c: "" if e.get(c) is None else str(e.get(c)) for c in ERROR_COLUMNS} for e in scores.errors],
        columns=ERROR_COLUMNS,
    )
    summary = f"**{scores.calls} calls** from `{folder}` · method: {method} · micro F1 {scores.micro['f1']:.3f}"
    return EvalTables(summary, pd.DataFrame(head), per_factor, _long(scores.status_confusion),
                      _long(scores.pathway_confusion), errors)  # fmt: skip


def run_eval(ws: Workspace, folder: str, folds: int, progress: Any = None) -> EvalTables:
    path = Path(folder.strip() or DEFAULT_FOLDER)
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    calls = load_labelled_dir(path)
    if folds < 1:
        raise InputError("Folds must be 1 (score as configured) or more (cross-validate the classifier).")
    done = {"n": 0}

    def step(k: int) -> None:
        done["n"] += k
        if progress is not None:
            progress(done["n"] / len(calls), desc=f"drafted {done['n']} of {len(calls)} calls")

    result = evaluate(ws.pipeline, calls, folds=folds, progress=step)
    return tables(result.scores, result.method, path)


def build_evals_tab(ws: Workspace, tab: gr.Tab) -> None:
    with gr.Row():
        folder = gr.Dropdown(label="Folder of labelled calls", choices=folders(), value=str(DEFAULT_FOLDER),
                             allow_custom_value=True, scale=3, elem_id="fd-eval-folder")  # fmt: skip
        folds = gr.Number(label="Folds (1 = as configured; 2+ cross-validates the classifier)", value=1, precision=0)
        run = gr.Button("Run evaluation", variant="primary", elem_id="fd-eval-run")
    status = gr.Markdown(elem_id="fd-eval-status")
    head = gr.Dataframe(label="Headline scores", interactive=False, elem_id="fd-eval-headline")
    with gr.Row():
        status_plot = gr.BarPlot(x="gold", y="count", color="predicted", label="Status confusion (gold → predicted)")
        pathway_plot = gr.BarPlot(x="gold", y="count", color="predicted", label="Pathway confusion (gold → predicted)")
    per_factor = gr.Dataframe(label="Per factor (active = present or possible)", interactive=False)
    errors = gr.Dataframe(label="Errors, with quotes", interactive=False, wrap=True)

    def do_run(where: str | None, n: float | None, request: gr.Request, progress: Any = PROGRESS) -> list[Any]:
        try:
            ws.require(request, "evals")
            t = run_eval(ws, where or "", int(n or 1), progress)
            return [success(t.summary), t.headline, t.status_long, t.pathway_long, t.per_factor, t.errors]
        except Exception as exc:
            message = failure(exc)
            gr.Warning(message)
            return [message, *[gr.skip() for _ in range(5)]]

    run.click(do_run, [folder, folds], [status, head, status_plot, pathway_plot, per_factor, errors],
              concurrency_id="evaluation", concurrency_limit=1)  # fmt: skip
    del tab
