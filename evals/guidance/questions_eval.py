"""Scores the unanswered-key-question suggestions on hand-labelled dev calls
(evals/data/questions_answered.json) and sweeps the similarity threshold.

A suggestion is right when the labelled call had not answered it. Reported at the threshold in
corpus/question_matching.yaml: the share of answered questions wrongly suggested (should be low),
the share of unanswered questions suggested (should be high), and accuracy.

    .venv/bin/python -m evals.guidance.questions_eval [--encoder minilm|fake]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guidance.documents import read_corpus
from assistant.guidance.questions import KeyQuestion, QuestionMatcher, collect_key_questions, load_question_matching
from assistant.models import ModelLoader
from assistant.offline import go_offline
from assistant.settings import load_settings
from evals.guidance.common import ANSWERED, load_calls


def scored(matcher: QuestionMatcher, split: str | None = None) -> list[tuple[float, bool, bool]]:
    """(best similarity, answered by a hint, labelled answered) for every labelled question of the split."""
    labels = [
        c for c in json.loads(ANSWERED.read_text(encoding="utf-8"))["calls"] if split is None or c["split"] == split
    ]
    calls = {c.id: c for c in load_calls()}
    known = {q.text: q for q in matcher.questions.all()}
    rows = []
    for entry in labels:
        call = calls[entry["call"]]
        questions = [known.get(q["text"]) or KeyQuestion(q["text"], q["factor"], "?") for q in entry["questions"]]
        for match, q in zip(matcher.score(call.transcript, questions), entry["questions"], strict=True):
            rows.append((match.score, match.by_hint, bool(q["answered"])))
    return rows


def metrics(rows: list[tuple[float, bool, bool]], threshold: float) -> dict[str, Any]:
    answered = [(s >= threshold or h) for s, h, _ in rows]
    truth = [t for _, _, t in rows]
    n_ans = sum(truth)
    n_open = len(truth) - n_ans
    wrongly_suggested = sum(1 for a, t in zip(answered, truth, strict=True) if t and not a)
    rightly_suggested = sum(1 for a, t in zip(answered, truth, strict=True) if not t and not a)
    suggested = wrongly_suggested + rightly_suggested
    return {
        "threshold": threshold,
        "questions": len(truth),
        "labelled_answered": n_ans,
        "answered_but_suggested": wrongly_suggested / max(n_ans, 1),
        "open_and_suggested": rightly_suggested / max(n_open, 1),
        "suggestion_precision": rightly_suggested / max(suggested, 1),
        "accuracy": sum(1 for a, t in zip(answered, truth, strict=True) if a == t) / len(truth),
    }


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--json", type=Path, default=None, help="Write the figures at the threshold here.")
    args = parser.parse_args()
    settings = load_settings()
    config, _ = load_question_matching(settings.corpus_dir)
    docs, _ = read_corpus(settings.corpus_dir / "guidance")
    key_questions, _ = collect_key_questions(docs, config)
    matcher = QuestionMatcher(ModelLoader(settings, args.encoder).encoder, key_questions, config)
    rows = scored(matcher, "tuning")
    print(f"question suggestions ({args.encoder}), tuning split: {len(rows)} labelled questions")
    for threshold in np.arange(0.30, 0.81, 0.05):
        m = metrics(rows, float(threshold))
        print(
            f"  threshold {m['threshold']:.2f}: accuracy {m['accuracy']:.3f}  answered-but-suggested "
            f"{m['answered_but_suggested']:.3f}  open-and-suggested {m['open_and_suggested']:.3f}  "
            f"suggestion precision {m['suggestion_precision']:.3f}"
        )
    for split in ("tuning", "heldout"):
        m = metrics(scored(matcher, split), matcher.threshold)
        print(f"{split} at the configured threshold: " + json.dumps({k: round(v, 3) for k, v in m.items()}))
    if args.json:
        args.json.write_text(
            json.dumps({s: metrics(scored(matcher, s), matcher.threshold) for s in ("tuning", "heldout")}, indent=2),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
