"""Labelled calls (contract section 4): a transcript and the evaluator's `gold` truth."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.knowledge import SPEC_FACTORS
from assistant.records import CALLER_ROLES, PATHWAYS, Transcript
from assistant.transcript_io import InputError, parse_json

STATUSES = ("present", "possible", "historical", "ruled_out")


@dataclass(frozen=True)
class GoldFactor:
    factor: str
    status: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Gold:
    caller_role: str
    factors: dict[str, GoldFactor]
    pathway: str
    parents_aware: str


@dataclass(frozen=True)
class LabelledCall:
    path: Path
    transcript: Transcript
    gold: Gold
    tags: tuple[str, ...] = ()


def _gold(raw: object, name: str) -> Gold:
    if not isinstance(raw, dict):
        raise InputError(f"{name}: 'gold' must be an object")
    factors: dict[str, GoldFactor] = {}
    for i, entry in enumerate(raw.get("factors", [])):
        if not isinstance(entry, dict):
            raise InputError(f"{name}: gold.factors[{i}] must be an object")
        factor, status = entry.get("factor"), entry.get("status")
        if factor not in SPEC_FACTORS:
            raise InputError(f"{name}: gold.factors[{i}] has unknown factor '{factor}'")
        if status not in STATUSES:
            raise InputError(f"{name}: gold.factors[{i}] ({factor}) has unknown status '{status}'")
        if factor in factors:
            raise InputError(f"{name}: gold lists factor {factor} twice")
        evidence = tuple(str(q) for q in entry.get("evidence", []))
        factors[factor] = GoldFactor(factor, status, evidence)
    role, pathway, aware = raw.get("caller_role"), raw.get("pathway"), raw.get("parents_aware")
    if role not in CALLER_ROLES:
        raise InputError(f"{name}: gold.caller_role '{role}' is not one of {', '.join(CALLER_ROLES)}")
    if pathway not in PATHWAYS:
        raise InputError(f"{name}: gold.pathway '{pathway}' is not one of {', '.join(PATHWAYS)}")
    if aware not in ("yes", "no", "unknown"):
        raise InputError(f"{name}: gold.parents_aware '{aware}' must be yes, no or unknown")
    return Gold(str(role), factors, str(pathway), str(aware))


def load_labelled(path: Path) -> LabelledCall:
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{name}: cannot read labelled call: {exc}") from exc
    if not isinstance(data, dict) or "gold" not in data:
        raise InputError(f"{name}: a labelled call needs 'turns' and 'gold'")
    transcript = parse_json(data, name, path.stem)
    tags = tuple(str(t) for t in data.get("tags", []) if isinstance(t, str))
    return LabelledCall(path=path, transcript=transcript, gold=_gold(data["gold"], name), tags=tags)


def load_labelled_dir(folder: Path) -> list[LabelledCall]:
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of labelled calls")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputError(f"{folder}: has no labelled calls (*.json)")
    return [load_labelled(p) for p in files]
