"""Shared helpers of the guidance evaluations: labelled calls as the pipeline's typed values."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.knowledge import SPEC_FACTORS
from assistant.records import CallerInfo, ChildVoice, Evidence, Factor, Findings, Transcript, Turn

ROOT = Path(__file__).resolve().parents[2]
DEV_DIR = ROOT / "evals" / "data" / "dev"
QUERIES = ROOT / "evals" / "data" / "retrieval_queries.json"
ANSWERED = ROOT / "evals" / "data" / "questions_answered.json"
REPORTS = ROOT / "evals" / "reports"


SPLITS = ("tuning", "held-out")


def query_split(query_id: str) -> str:
    """The fixed half a retrieval query belongs to, from a hash of its id: search settings are tuned
    on "tuning" only; "held-out" shows how well they carry over to queries nobody tuned on."""
    return SPLITS[int(hashlib.sha256(query_id.encode("utf-8")).hexdigest(), 16) % 2]


def load_queries(split: str | None = None) -> list[dict[str, str]]:
    """The labelled retrieval queries (all, or one split's)."""
    queries: list[dict[str, str]] = json.loads(QUERIES.read_text(encoding="utf-8"))
    ids = [q["id"] for q in queries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{QUERIES}: query ids must be unique")
    return [q for q in queries if split is None or query_split(q["id"]) == split]


@dataclass(frozen=True)
class LabelledCall:
    id: str
    path: Path
    transcript: Transcript
    gold: dict[str, Any]


def load_calls(folder: Path = DEV_DIR) -> list[LabelledCall]:
    calls = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        turns = [Turn(speaker=t.get("speaker", "unknown"), text=t["text"]) for t in data["turns"]]
        calls.append(
            LabelledCall(data["id"], path, Transcript(id=data["id"], turns=turns, source=str(path)), data["gold"])
        )
    return calls


def _evidence(transcript: Transcript, quote: str) -> Evidence:
    for i, turn in enumerate(transcript.turns):
        if quote in turn.text:
            return Evidence(quote=quote, turn=i)
    return Evidence(quote=quote, turn=0)


def gold_findings(call: LabelledCall) -> Findings:
    """The evaluator's truth as Findings, so the guidance stage can be scored apart from extraction."""
    factors = []
    for f in call.gold["factors"]:
        quotes = f.get("evidence") or [""]
        factors.append(
            Factor(
                factor=f["factor"],
                kind=SPEC_FACTORS[f["factor"]],  # type: ignore[arg-type]
                status=f["status"],
                confidence=1.0,
                evidence=[_evidence(call.transcript, q) for q in quotes],
                detected_by=["person"],
            )
        )
    voice = [ChildVoice(quote=q, turn=_evidence(call.transcript, q).turn) for q in call.gold.get("child_voice", [])]
    return Findings(
        caller=CallerInfo(role=call.gold.get("caller_role", "other")),
        factors=factors,
        parents_aware=call.gold.get("parents_aware", "unknown"),
        child_voice=voice,
    )
