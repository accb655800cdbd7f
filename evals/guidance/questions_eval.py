"""Scores the unanswered-key-question suggestions on hand-labelled calls
(evals/data/questions_answered.json), sweeps the similarity threshold, and times the matcher.

A suggestion is right when the labelled call had not answered it. Reported per split at the
threshold in corpus/question_matching.yaml: the share of answered questions still suggested (should
be low), the share of unanswered questions suggested (should be high), suggestion precision and
accuracy. The threshold sweep and the error listing use the tuning split only: the held-out split
is scored, never inspected.

Each call's child_voice (the child's own words) comes from the extraction step run on the call
(spaCy analysis and the child_voice phrases), as a draft would pass it; --no-child-voice leaves it
out, as before questions read it.

    .venv/bin/python -m evals.guidance.questions_eval [--encoder minilm|fake] [--errors] [--json FILE]
                                                      [--no-child-voice]
    .venv/bin/python -m evals.guidance.questions_eval --timing 40    # warm seconds a call, dev calls
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guidance.documents import read_corpus
from assistant.guidance.questions import (
    KeyQuestion,
    Match,
    QuestionMatcher,
    collect_key_questions,
    load_question_matching,
)
from assistant.models import ModelLoader
from assistant.offline import go_offline
from assistant.records import ChildVoice
from assistant.settings import Settings, load_settings
from evals.guidance.common import ANSWERED, DEV_DIR, LabelledCall, load_calls

TRAIN_DIR = DEV_DIR.parent / "train"
SPLITS = ("tuning", "heldout", "heldout_train")
Row = tuple[float, bool, bool]  # (best similarity of a worker question, settled by a cue, labelled answered)


def labelled_calls() -> dict[str, LabelledCall]:
    """Dev and train calls by id (labels name calls of both; never the holdout folder)."""
    return {c.id: c for folder in (DEV_DIR, TRAIN_DIR) for c in load_calls(folder)}


def child_voices(settings: Settings, calls: list[LabelledCall]) -> dict[str, list[ChildVoice]]:
    """The child's words that extraction quotes in each call, by call id."""
    from assistant.extract.analysis import Analyser
    from assistant.extract.call_facts import child_voice
    from assistant.knowledge import load_knowledge
    from assistant.models import load_spacy

    analyser = Analyser(load_spacy(settings), load_knowledge(settings.corpus_dir))
    return {c.id: child_voice(analyser, analyser.analyse(c.transcript)) for c in calls}


def scored(
    matcher: QuestionMatcher, split: str | None = None, voices: dict[str, list[ChildVoice]] | None = None
) -> list[tuple[str, dict[str, Any], Match]]:
    """(call id, label, match) for every labelled question of the split; similarity computed for all.
    ``voices``: each call's child_voice quotes (none when not given)."""
    labels = [
        c for c in json.loads(ANSWERED.read_text(encoding="utf-8"))["calls"] if split is None or c["split"] == split
    ]
    calls = labelled_calls()
    known = {q.text: q for q in matcher.questions.all()}
    out = []
    for entry in labels:
        call = calls[entry["call"]]
        questions = [known.get(q["text"]) or KeyQuestion(q["text"], q["factor"], "?") for q in entry["questions"]]
        voice = (voices or {}).get(entry["call"], [])
        matches = matcher.score(call.transcript, questions, child_voice=voice, always_encode=True)
        for match, q in zip(matches, entry["questions"], strict=True):
            out.append((entry["call"], q, match))
    return out


def rows_of(scored_rows: list[tuple[str, dict[str, Any], Match]]) -> list[Row]:
    return [(m.score, m.by_cue, bool(q["answered"])) for _, q, m in scored_rows]


def metrics(rows: list[Row], threshold: float) -> dict[str, Any]:
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
        "accuracy": sum(1 for a, t in zip(answered, truth, strict=True) if a == t) / max(len(truth), 1),
    }


def auc(rows: list[Row]) -> float:
    """How well the similarity alone ranks answered above unanswered questions."""
    pos = [s for s, _, t in rows if t]
    neg = [s for s, _, t in rows if not t]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def timing(matcher: QuestionMatcher, n: int) -> None:
    """Warm seconds of QuestionMatcher.unanswered a call, with each dev call's gold risk statuses."""
    calls = load_calls(DEV_DIR)[:n]
    jobs = [
        (c, {f["factor"]: f["status"] for f in c.gold["factors"] if f["factor"] in matcher.questions.by_factor})
        for c in calls
    ]
    matcher.unanswered(jobs[0][0].transcript, jobs[0][1])  # warm up
    secs, per30, encoded = [], [], 0
    for call, statuses in jobs:
        t = time.perf_counter()
        matches = matcher.score(call.transcript, matcher.candidates(statuses))
        elapsed = time.perf_counter() - t
        encoded += any(m.score > -1 for m in matches)
        secs.append(elapsed)
        per30.append(elapsed * 30 / max(len(call.transcript.turns), 1))
    secs.sort()
    print(
        f"question matching, {len(jobs)} dev calls, warm: median {statistics.median(secs) * 1000:.1f} ms, "
        f"p95 {secs[int(0.95 * (len(secs) - 1))] * 1000:.1f} ms, max {secs[-1] * 1000:.1f} ms; "
        f"scaled to 30 turns: median {statistics.median(per30) * 1000:.1f} ms; "
        f"calls that needed the encoder: {encoded}/{len(jobs)}"
    )


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--json", type=Path, default=None, help="Write the figures at the threshold here.")
    parser.add_argument("--errors", action="store_true", help="List the tuning split's wrong decisions.")
    parser.add_argument("--timing", type=int, default=0, metavar="N", help="Only time the matcher on N dev calls.")
    parser.add_argument(
        "--no-child-voice", action="store_true", help="Score without the calls' child_voice quotes (as before)."
    )
    args = parser.parse_args()
    settings = load_settings()
    config, _ = load_question_matching(settings.corpus_dir)
    docs, _ = read_corpus(settings.corpus_dir / "guidance")
    key_questions, _ = collect_key_questions(docs, config)
    matcher = QuestionMatcher(ModelLoader(settings, args.encoder).encoder, key_questions, config)
    for warning in matcher.unmatched_hints:
        print("warning:", warning)
    if args.timing:
        timing(matcher, args.timing)
        return
    labelled = {c["call"] for c in json.loads(ANSWERED.read_text(encoding="utf-8"))["calls"]}
    voices = None if args.no_child_voice else child_voices(settings, [c for c in labelled_calls().values() if c.id in labelled])
    results = {split: scored(matcher, split, voices) for split in SPLITS}
    rows = {split: rows_of(r) for split, r in results.items()}
    tuning = rows["tuning"]
    open_rows = [r for r in tuning if not r[1]]
    print(
        f"question suggestions ({args.encoder}, child_voice {'left out' if voices is None else 'from extraction'}), tuning split: {len(tuning)} labelled questions, "
        f"{len(tuning) - len(open_rows)} settled by cues; similarity AUC on the rest {auc(open_rows):.3f}"
    )
    for threshold in np.arange(0.30, 0.81, 0.05):
        m = metrics(tuning, float(threshold))
        print(
            f"  threshold {m['threshold']:.2f}: accuracy {m['accuracy']:.3f}  answered-but-suggested "
            f"{m['answered_but_suggested']:.3f}  open-and-suggested {m['open_and_suggested']:.3f}  "
            f"suggestion precision {m['suggestion_precision']:.3f}"
        )
    figures = {split: metrics(rows[split], matcher.threshold) for split in SPLITS}
    for split in SPLITS:
        calls = len({c for c, _, _ in results[split]})
        print(f"{split} ({calls} calls) at the configured threshold: " + json.dumps({k: round(v, 3) for k, v in figures[split].items()}))
    if args.errors:
        print("tuning split errors (A = answered but suggested, U = unanswered but hidden):")
        for call, q, match in results["tuning"]:
            if match.answered(matcher.threshold) != bool(q["answered"]):
                kind = "A" if q["answered"] else "U"
                print(
                    f"  {kind} {call} {match.how or '-':8} sim {match.score:.2f} t{match.turn} {q['text']}"
                    f"  <- {match.evidence[:70]!r}"
                )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
