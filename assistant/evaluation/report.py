"""Eval reports: JSON for machines, Markdown for people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.clitools import write_atomic
from assistant.evaluation.scoring import Scores

TARGETS = {
    "micro_f1": 0.90,
    "macro_f1": 0.85,
    "negation_time_errors_per_20_calls": 1.0,
    "status_accuracy": 0.90,
    "caller_role_accuracy": 0.95,
    "parents_aware_accuracy": 0.90,
    "evidence_verbatim": 1.0,
}


def headline(scores: Scores) -> dict[str, float]:
    return {
        "micro_precision": scores.micro["precision"],
        "micro_recall": scores.micro["recall"],
        "micro_f1": scores.micro["f1"],
        "macro_f1": scores.macro_f1,
        "negation_time_errors": scores.negation_time_errors,
        "negation_time_errors_per_20_calls": scores.negation_time_errors_per_20_calls,
        "status_accuracy": scores.status_accuracy,
        "evidence_verbatim": scores.evidence_verbatim,
        "pathway_exact": scores.pathway_exact,
        "pathway_within_one": scores.pathway_within_one,
        "caller_role_accuracy": scores.caller_role_accuracy,
        "parents_aware_accuracy": scores.parents_aware_accuracy,
    }


def markdown(scores: Scores, meta: dict[str, Any]) -> str:
    lines = [f"# Evaluation: {meta.get('dataset', '')}", ""]
    lines.append(f"- Calls: {scores.calls}")
    lines.append(f"- Method: {meta.get('method', '')}")
    lines.append(f"- Produced: {meta.get('created_at', '')} with frontdoor {meta.get('frontdoor', '')}")
    lines += ["", "## Scores (contract section 5)", "", "| score | value | target |", "|---|---|---|"]
    for key, value in headline(scores).items():
        target = TARGETS.get(key)
        mark = ""
        if target is not None:
            ok = value <= target if key.startswith("negation") else value >= target
            mark = f"{'≤' if key.startswith('negation') else '≥'} {target} {'✓' if ok else '✗'}"
        lines.append(f"| {key} | {value} | {mark} |")
    by_seed = meta.get("by_seed") or []
    if by_seed:
        keys = ["micro_f1", "macro_f1", "negation_time_errors", "status_accuracy", "pathway_exact"]
        lines += ["", "## The same folds with heads of other seeds", "",
                  "A difference smaller than the spread between seeds is not shown to be a change.", "",
                  "| seed | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]  # fmt: skip
        def cell(key: str, value: float) -> str:  # errors are counts (a mean of counts keeps one decimal)
            return f"{value:.1f}".removesuffix(".0") if key == "negation_time_errors" else f"{value:.3f}"

        for seed, row in enumerate(by_seed):
            lines.append(f"| {seed} | " + " | ".join(cell(k, row[k]) for k in keys) + " |")
        for name, pick in (("mean", lambda v: sum(v) / len(v)), ("min", min), ("max", max)):
            lines.append(f"| {name} | " + " | ".join(cell(k, pick([r[k] for r in by_seed])) for k in keys) + " |")
    lines += ["", "## Per factor (active = present or possible)", "",
              "| factor | support | tp | fp | fn | precision | recall | f1 |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for factor, row in scores.per_factor.items():
        lines.append(
            f"| {factor} | {row['support']} | {row['tp']} | {row['fp']} | {row['fn']} | "
            f"{row['precision']:.2f} | {row['recall']:.2f} | {row['f1']:.2f} |"
        )
    lines += ["", "## Status confusion (rows gold, columns predicted)", ""]
    statuses = ["present", "possible", "historical", "ruled_out"]
    lines += ["| gold \\ predicted | " + " | ".join(statuses) + " |", "|---" * (len(statuses) + 1) + "|"]
    for g in statuses:
        counts = scores.status_confusion.get(g, {})
        lines.append(f"| {g} | " + " | ".join(str(counts.get(p, 0)) for p in statuses) + " |")
    lines += ["", "## Errors", "", "| call | kind | factor | predicted | gold | quote |", "|---|---|---|---|---|---|"]
    for err in scores.errors:
        quote = (err.get("quote") or "").replace("|", "/")[:140]
        lines.append(
            f"| {err['call']} | {err['error']} | {err.get('factor', '')} | {err.get('predicted')} | "
            f"{err.get('gold')} | {quote} |"
        )
    return "\n".join(lines) + "\n"


def write_reports(scores: Scores, meta: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    json_path, md_path = out_dir / "scores.json", out_dir / "scores.md"
    write_atomic(json_path, json.dumps({"meta": meta, "headline": headline(scores), **scores.as_dict()}, indent=2))
    write_atomic(md_path, markdown(scores, meta))
    return json_path, md_path
