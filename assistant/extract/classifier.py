"""The factor classifier: a small trained head (one logistic regression per factor) over sentence
embeddings from the local encoder. It catches factors said without any cue phrase.

The head is saved as JSON (no pickle) with its provenance: data hash, scores, library versions.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from assistant.models import Encoder

DEFAULT_THRESHOLD = 0.5


class ClassifierError(ValueError):
    """The classifier head is missing, unreadable or made for another encoder."""


@dataclass
class TrainingExample:
    text: str
    positives: set[str]
    # factors this example says nothing reliable about (left out of their training)
    unknown: set[str] = field(default_factory=set)


@dataclass
class FactorHead:
    factors: list[str]
    coef: np.ndarray  # (n_factors, dim)
    intercept: np.ndarray  # (n_factors,)
    thresholds: dict[str, float]
    encoder: str
    provenance: dict[str, Any]

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        if embeddings.shape[0] == 0:
            return np.zeros((0, len(self.factors)), dtype=np.float32)
        if embeddings.shape[1] != self.coef.shape[1]:
            raise ClassifierError(
                f"the classifier was trained on {self.coef.shape[1]}-dimension embeddings ({self.encoder}) "
                f"but the encoder gives {embeddings.shape[1]}; retrain with `frontdoor train`"
            )
        logits = embeddings @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": "frontdoor-factor-head/1",
                "factors": self.factors,
                "coef": np.round(self.coef, 6).tolist(),
                "intercept": np.round(self.intercept, 6).tolist(),
                "thresholds": self.thresholds,
                "encoder": self.encoder,
                "provenance": self.provenance,
            }
        )

    @classmethod
    def load(cls, path: Path) -> FactorHead:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ClassifierError(f"classifier head {path} does not exist; run `frontdoor train DIR` or set FRONTDOOR_USE_CLASSIFIER=false") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ClassifierError(f"classifier head {path} is not valid JSON: {exc}") from exc
        if data.get("format") != "frontdoor-factor-head/1":
            raise ClassifierError(f"{path} is not a Front Door classifier head")
        return cls(
            factors=list(data["factors"]),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=np.asarray(data["intercept"], dtype=np.float32),
            thresholds={k: float(v) for k, v in data["thresholds"].items()},
            encoder=data["encoder"],
            provenance=data.get("provenance", {}),
        )

    @property
    def version(self) -> str:
        return str(self.provenance.get("data_hash", "unknown"))[:12]


def data_hash(examples: list[TrainingExample]) -> str:
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(ex.text.encode())
        digest.update(("|" + ",".join(sorted(ex.positives)) + "|" + ",".join(sorted(ex.unknown))).encode())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("numpy", "scikit-learn", "torch", "transformers", "spacy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "absent"
    return out


def fit_head(
    factors: list[str],
    examples: list[TrainingExample],
    embeddings: np.ndarray,
    encoder_name: str,
    c: float = 4.0,
    extra_provenance: dict[str, Any] | None = None,
) -> FactorHead:
    """One logistic regression per factor on precomputed embeddings (rows match `examples`)."""
    from sklearn.linear_model import LogisticRegression

    dim = embeddings.shape[1]
    coef = np.zeros((len(factors), dim), dtype=np.float32)
    intercept = np.full(len(factors), -6.0, dtype=np.float32)
    counts: dict[str, int] = {}
    for i, factor in enumerate(factors):
        rows = [j for j, ex in enumerate(examples) if factor not in ex.unknown]
        y = np.array([factor in examples[j].positives for j in rows], dtype=int)
        counts[factor] = int(y.sum())
        if y.sum() < 2 or y.sum() == len(y):
            continue  # too few examples to learn: the factor never fires from the classifier
        model = LogisticRegression(C=c, max_iter=2000, class_weight={0: 1.0, 1: 2.0})
        model.fit(embeddings[rows], y)
        coef[i] = model.coef_[0]
        intercept[i] = model.intercept_[0]
    provenance = {
        "data_hash": data_hash(examples),
        "examples": len(examples),
        "positives": counts,
        "c": c,
        "versions": _versions(),
        **(extra_provenance or {}),
    }
    return FactorHead(factors, coef, intercept, dict.fromkeys(factors, DEFAULT_THRESHOLD), encoder_name, provenance)


def train_head(factors: list[str], examples: list[TrainingExample], encoder: Encoder, **kwargs: Any) -> FactorHead:
    embeddings = encoder.encode([ex.text for ex in examples])
    return fit_head(factors, examples, embeddings, encoder.name, **kwargs)
