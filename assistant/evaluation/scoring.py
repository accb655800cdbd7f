"""The contract's scores (section 5) of draft records against labelled calls."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from assistant.knowledge import SPEC_FACTORS
from assistant.labelled import LabelledCall
from assistant.records import ACTIVE_STATUSES, PATHWAYS, DraftRecord


@dataclass
class Scores:
    calls: int
    micro: dict[str, float]
    macro_f1: float
    per_factor: dict[str, dict[str, float]]
    negation_time_errors: int
    negation_time_errors_per_20_calls: float
    status_accuracy: float
    status_pairs: int
    evidence_verbatim: float
    pathway_exact: float
    pathway_within_one: float
    caller_role_accuracy: float
    parents_aware_accuracy: float
    status_confusion: dict[str, dict[str, int]]
    pathway_confusion: dict[str, dict[str, int]]
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _verbatim(record: DraftRecord) -> list[bool]:
    turns = record.transcript.turns
    out = []
    for factor in record.factors:
        ok = all(0 <= e.turn < len(turns) and e.quote and e.quote in turns[e.turn].text for e in factor.evidence)
        out.append(ok and bool(factor.evidence))
    return out


def score(calls: list[LabelledCall], records: list[DraftRecord]) -> Scores:
    if len(calls) != len(records):
        raise ValueError("one record per labelled call is needed")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    neg_time = 0
    status_hits = status_total = 0
    verbatim: list[bool] = []
    path_exact = path_near = role_hits = aware_hits = 0
    status_conf: dict[str, Counter[str]] = defaultdict(Counter)
    path_conf: dict[str, Counter[str]] = defaultdict(Counter)
    errors: list[dict[str, Any]] = []
    for call, record in zip(calls, records, strict=True):
        gold = call.gold.factors
        pred = {f.factor: f for f in record.factors}
        for factor_id in set(gold) | set(pred):
            g = gold.get(factor_id)
            p = pred.get(factor_id)
            g_active = g is not None and g.status in ACTIVE_STATUSES
            p_active = p is not None and p.status in ACTIVE_STATUSES
            quote = p.evidence[0].quote if p else None
            if g_active and p_active:
                tp[factor_id] += 1
            elif p_active:
                fp[factor_id] += 1
                kind = "negation_or_time" if g and g.status in ("ruled_out", "historical") else "false_positive"
                neg_time += kind == "negation_or_time"
                errors.append({"call": call.transcript.id, "factor": factor_id, "error": kind,
                               "predicted": p.status if p else None, "gold": g.status if g else None,
                               "quote": quote})  # fmt: skip
            elif g_active:
                fn[factor_id] += 1
                errors.append({"call": call.transcript.id, "factor": factor_id, "error": "missed",
                               "predicted": p.status if p else None, "gold": g.status if g else None,
                               "quote": g.evidence[0] if g and g.evidence else None})  # fmt: skip
            if g is not None and p is not None:
                status_total += 1
                status_hits += p.status == g.status
                status_conf[g.status][p.status] += 1
                if p.status != g.status and not (g_active and p_active) and not (p_active and not g_active) or p.status != g.status and g_active and p_active:
                    errors.append({"call": call.transcript.id, "factor": factor_id, "error": "status",
                                   "predicted": p.status, "gold": g.status, "quote": quote})  # fmt: skip
        verbatim.extend(_verbatim(record))
        gp, pp = call.gold.pathway, record.pathway.suggested
        path_conf[gp][pp] += 1
        path_exact += gp == pp
        path_near += abs(PATHWAYS.index(gp) - PATHWAYS.index(pp)) <= 1 if pp in PATHWAYS else 0
        role_hits += call.gold.caller_role == record.caller.role
        aware_hits += call.gold.parents_aware == record.parents_aware
        if call.gold.pathway != record.pathway.suggested:
            errors.append({"call": call.transcript.id, "error": "pathway", "predicted": pp, "gold": gp})
        if call.gold.caller_role != record.caller.role:
            errors.append({"call": call.transcript.id, "error": "caller_role", "predicted": record.caller.role,
                           "gold": call.gold.caller_role})  # fmt: skip
        if call.gold.parents_aware != record.parents_aware:
            errors.append({"call": call.transcript.id, "error": "parents_aware", "predicted": record.parents_aware,
                           "gold": call.gold.parents_aware,
                           "quote": record.parents_aware_evidence[0].quote if record.parents_aware_evidence else None})  # fmt: skip
    per_factor: dict[str, dict[str, float]] = {}
    for factor_id in SPEC_FACTORS:
        prec, rec, f1 = _f1(tp[factor_id], fp[factor_id], fn[factor_id])
        per_factor[factor_id] = {"tp": tp[factor_id], "fp": fp[factor_id], "fn": fn[factor_id],
                                 "precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                                 "support": tp[factor_id] + fn[factor_id]}  # fmt: skip
    scored = [k for k, v in per_factor.items() if v["support"] or v["fp"]]
    mp, mr, mf = _f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    n = len(calls)
    return Scores(
        calls=n,
        micro={"precision": round(mp, 4), "recall": round(mr, 4), "f1": round(mf, 4)},
        macro_f1=round(sum(per_factor[k]["f1"] for k in scored) / len(scored), 4) if scored else 0.0,
        per_factor=per_factor,
        negation_time_errors=neg_time,
        negation_time_errors_per_20_calls=round(neg_time * 20 / n, 3) if n else 0.0,
        status_accuracy=round(status_hits / status_total, 4) if status_total else 0.0,
        status_pairs=status_total,
        evidence_verbatim=round(sum(verbatim) / len(verbatim), 4) if verbatim else 1.0,
        pathway_exact=round(path_exact / n, 4) if n else 0.0,
        pathway_within_one=round(path_near / n, 4) if n else 0.0,
        caller_role_accuracy=round(role_hits / n, 4) if n else 0.0,
        parents_aware_accuracy=round(aware_hits / n, 4) if n else 0.0,
        status_confusion={g: dict(c) for g, c in status_conf.items()},
        pathway_confusion={g: dict(c) for g, c in path_conf.items()},
        errors=errors,
    )
