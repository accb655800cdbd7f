"""The status head: which status (present, possible, historical, ruled out) a caller's sentence gives a
factor that the classifier found there without any cue word to anchor the status rules.

Without an anchor, the rules of ``corpus/status_rules.yaml`` cannot tell what a "not" or a "since" in
the sentence reaches: "he's never missed a day" is not a denial, "he hasn't eaten since Friday" is not
in the past. The head is a multinomial logistic regression over the sentence's features (those the
factor head reads) and which kinds of status trigger the sentence holds, trained on the sentences of
labelled calls that hold a gold quote, labelled with that factor's gold status. It also reads whether the factor is a strength: one sentence
often answers for two factors ("no, she's always clean and fed, the house is spotless" rules neglect
out and shows a stable home). It is saved inside the factor head's JSON.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

STATUSES = ("present", "possible", "historical", "ruled_out")
TRIGGER_KINDS = ("negated", "possible", "historical")  # the status rules' categories the head reads


@dataclass
class StatusExample:
    text: str
    status: str
    triggers: frozenset[str]  # the kinds of status trigger in the sentence
    context: str = ""  # the whole turn the sentence is in ("": the sentence stands alone)
    strength: bool = False  # the gold factor is a strength


@dataclass
class StatusHead:
    coef: np.ndarray  # (statuses, dim + triggers [+ 1 where it reads the factor's kind])
    intercept: np.ndarray  # (statuses,)
    provenance: dict[str, Any]
    reads_kind: bool = False  # one more feature: 1 where the factor is a strength

    def predict_proba(
        self, embeddings: np.ndarray, triggers: list[frozenset[str]], strengths: list[bool] | None = None
    ) -> np.ndarray:
        if self.reads_kind:
            x = features(embeddings, triggers, strengths if strengths is not None else [False] * len(triggers))
        else:
            x = features(embeddings, triggers)
        if x.shape[1] != self.coef.shape[1]:
            raise ValueError(f"the status head expects {self.coef.shape[1]} features, got {x.shape[1]}")
        z = x @ self.coef.T + self.intercept
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, embedding: np.ndarray, triggers: frozenset[str], strength: bool = False) -> tuple[str, float]:
        """The most likely status of one sentence for a factor (a strength or not) and its probability."""
        probs = self.predict_proba(embedding[None, :], [triggers], [strength])[0]
        best = int(np.argmax(probs))
        return STATUSES[best], float(probs[best])

    def to_dict(self) -> dict[str, Any]:
        return {
            "statuses": list(STATUSES),
            "triggers": list(TRIGGER_KINDS),
            "reads_kind": self.reads_kind,
            "coef": np.round(self.coef, 6).tolist(),
            "intercept": np.round(self.intercept, 6).tolist(),
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], dim: int) -> StatusHead:
        if list(data["statuses"]) != list(STATUSES) or list(data["triggers"]) != list(TRIGGER_KINDS):
            raise ValueError("status head made for other statuses or trigger kinds")
        coef = np.asarray(data["coef"], dtype=np.float32)
        intercept = np.asarray(data["intercept"], dtype=np.float32)
        reads_kind = bool(data.get("reads_kind", False))
        width = dim + len(TRIGGER_KINDS) + int(reads_kind)
        if coef.shape != (len(STATUSES), width) or intercept.shape != (len(STATUSES),):
            raise ValueError(f"status head of shape {coef.shape} does not fit {dim}-dimension embeddings")
        return cls(coef, intercept, dict(data.get("provenance", {})), reads_kind)


def trigger_kinds(triggers: list[Any], start: int, end: int) -> frozenset[str]:
    """The kinds of status trigger (``assistant.extract.status.Trigger``) inside tokens start..end."""
    return frozenset(t.category for t in triggers if start <= t.start and t.end <= end and t.category in TRIGGER_KINDS)


def features(
    embeddings: np.ndarray, triggers: list[frozenset[str]], strengths: list[bool] | None = None
) -> np.ndarray:
    """The head's input: the sentence's features, its trigger kinds and (where given) whether the factor
    is a strength."""
    flags = np.array([[kind in t for kind in TRIGGER_KINDS] for t in triggers], dtype=np.float32)
    flags = flags.reshape(len(triggers), len(TRIGGER_KINDS))
    blocks = [embeddings.astype(np.float32), flags]
    if strengths is not None:
        blocks.append(np.array(strengths, dtype=np.float32).reshape(len(triggers), 1))
    return np.hstack(blocks)


def fit_status_head(
    examples: list[StatusExample],
    embeddings: np.ndarray,
    c: float = 4.0,
    max_iter: int = 400,
    reads_kind: bool = True,
    balance: bool = True,
) -> StatusHead | None:
    """L2-regularised multinomial logistic regression (C * log-loss + 0.5 * |W|^2), classes weighted
    to balance (with ``balance``; else as often as the examples hold them); None when the examples do
    not hold at least 2 of every status. With ``reads_kind`` it also reads whether each example's factor
    is a strength."""
    from scipy.optimize import minimize

    counts = {s: sum(1 for ex in examples if ex.status == s) for s in STATUSES}
    if min(counts.values()) < 2:
        return None
    strengths = [ex.strength for ex in examples] if reads_kind else None
    x = features(embeddings, [ex.triggers for ex in examples], strengths).astype(np.float64)
    y = np.array([STATUSES.index(ex.status) for ex in examples])
    onehot = np.eye(len(STATUSES))[y]
    if balance:
        weight = np.array([len(examples) / (len(STATUSES) * counts[STATUSES[k]]) for k in y])
    else:
        weight = np.ones(len(examples))
    n, d = x.shape
    k = len(STATUSES)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: k * d].reshape(k, d)
        b = theta[k * d :]
        z = x @ w.T + b
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(weight * (onehot * log_p).sum(axis=1)).sum()
        g = weight[:, None] * (np.exp(log_p) - onehot)
        grad_w = c * (g.T @ x) + w
        grad_b = c * g.sum(axis=0)
        return c * float(loss) + 0.5 * float((w * w).sum()), np.concatenate([grad_w.ravel(), grad_b])

    result = minimize(objective, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    theta = result.x
    digest = hashlib.sha256()
    for ex in examples:
        context = f"|{ex.context}" if ex.context else ""
        kind = "|strength" if reads_kind and ex.strength else ""
        digest.update(f"{ex.text}|{ex.status}|{','.join(sorted(ex.triggers))}{context}{kind}\n".encode())
    provenance = {
        "data_hash": digest.hexdigest(),
        "examples": len(examples),
        "per_status": counts,
        "c": c,
        "reads_kind": reads_kind,
        "balanced": balance,
    }
    return StatusHead(
        theta[: k * d].reshape(k, d).astype(np.float32), theta[k * d :].astype(np.float32), provenance, reads_kind
    )
