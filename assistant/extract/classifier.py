"""The factor classifier: a small trained head over sentence features from the local encoder (a hidden
layer, then one logistic output per factor; or plain logistic regressions). It catches factors said
without any cue phrase.

The head is saved as JSON (no pickle) with its provenance: data hash, scores, library versions.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from assistant.extract.features import FeatureRecipe, sentence_features
from assistant.extract.hidden_layer import HeadOptions, HiddenLayer, fit_hidden
from assistant.extract.status_head import StatusHead
from assistant.models import Encoder

DEFAULT_THRESHOLD = 0.5
PLAIN_FORMAT = "frontdoor-factor-head/1"  # logistic regressions on the features
HIDDEN_FORMAT = "frontdoor-factor-head/2"  # the same after a hidden layer


class ClassifierError(ValueError):
    """The classifier head is missing, unreadable or made for another encoder."""


@dataclass
class TrainingExample:
    text: str
    positives: set[str]
    # factors this example says nothing reliable about (left out of their training)
    unknown: set[str] = field(default_factory=set)
    context: str = ""  # the whole turn the sentence is in ("": the sentence stands alone)


@dataclass
class FactorHead:
    factors: list[str]
    coef: np.ndarray  # (n_factors, dim), or (n_factors, hidden units) after a hidden layer
    intercept: np.ndarray  # (n_factors,)
    thresholds: dict[str, float]
    encoder: str
    provenance: dict[str, Any]
    # the status of a factor found by the classifier alone (None: read from the sentence's triggers)
    status: StatusHead | None = None
    # the same for a strength, where the head has one of its own (None: ``status`` reads strengths too)
    strength_status: StatusHead | None = None
    features: FeatureRecipe = field(default_factory=FeatureRecipe)  # what both heads read
    hidden: HiddenLayer | None = None  # None: the outputs read the features directly

    @property
    def input_dim(self) -> int:
        return self.hidden.input_dim if self.hidden is not None else int(self.coef.shape[1])

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        if embeddings.shape[0] == 0:
            return np.zeros((0, len(self.factors)), dtype=np.float32)
        if embeddings.shape[1] != self.input_dim:
            raise ClassifierError(
                f"the classifier was trained on {self.input_dim}-dimension features ({self.encoder}) "
                f"but was given {embeddings.shape[1]}; retrain with `frontdoor train`"
            )
        inputs = self.hidden.apply(embeddings) if self.hidden is not None else embeddings
        logits = inputs @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "format": HIDDEN_FORMAT if self.hidden is not None else PLAIN_FORMAT,
            "factors": self.factors,
            "coef": np.round(self.coef, 6).tolist(),
            "intercept": np.round(self.intercept, 6).tolist(),
            "thresholds": self.thresholds,
            "encoder": self.encoder,
            "features": self.features.to_dict(),
            "provenance": self.provenance,
        }
        if self.status is not None:
            data["status"] = self.status.to_dict()
        if self.strength_status is not None:
            data["strength_status"] = self.strength_status.to_dict()
        if self.hidden is not None:
            data["hidden"] = self.hidden.to_dict()
        return json.dumps(data)

    @classmethod
    def load(cls, path: Path) -> FactorHead:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ClassifierError(f"classifier head {path} does not exist; run `frontdoor train DIR` or set FRONTDOOR_USE_CLASSIFIER=false") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ClassifierError(f"classifier head {path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") not in (PLAIN_FORMAT, HIDDEN_FORMAT):
            raise ClassifierError(f"{path} is not a Front Door classifier head")
        try:
            head = cls(
                factors=list(data["factors"]),
                coef=np.asarray(data["coef"], dtype=np.float32),
                intercept=np.asarray(data["intercept"], dtype=np.float32),
                thresholds={k: float(v) for k, v in data["thresholds"].items()},
                encoder=data["encoder"],
                provenance=data.get("provenance", {}),
                features=FeatureRecipe.from_dict(data.get("features")),
                hidden=HiddenLayer.from_dict(data["hidden"]) if data["format"] == HIDDEN_FORMAT else None,
            )
            if head.coef.ndim != 2 or not len(head.factors) == head.coef.shape[0] == head.intercept.shape[0]:
                raise ValueError("coef, intercept and factors do not match")
            if head.hidden is not None and head.hidden.weight.shape[0] != head.coef.shape[1]:
                raise ValueError("the hidden layer's units and coef do not match")
            if data.get("status") is not None:
                head.status = StatusHead.from_dict(data["status"], head.input_dim)
            if data.get("strength_status") is not None:
                head.strength_status = StatusHead.from_dict(data["strength_status"], head.input_dim)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ClassifierError(
                f"classifier head {path} is damaged ({exc!r}); retrain with `frontdoor train DIR`"
            ) from exc
        return head

    @property
    def version(self) -> str:
        """The factor examples' data hash, and the status head's when there is one."""
        version = str(self.provenance.get("data_hash", "unknown"))[:12]
        if self.status is not None:
            version += "+status-" + str(self.status.provenance.get("data_hash", "unknown"))[:8]
        if self.strength_status is not None:
            version += "+strengths-" + str(self.strength_status.provenance.get("data_hash", "unknown"))[:8]
        return version


def data_hash(examples: list[TrainingExample]) -> str:
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(ex.text.encode())
        digest.update(("|" + ",".join(sorted(ex.positives)) + "|" + ",".join(sorted(ex.unknown))).encode())
        if ex.context:
            digest.update(("|" + ex.context).encode())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("numpy", "scipy", "torch", "transformers", "spacy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "absent"
    return out


def _fit_logistic(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, c: float, max_iter: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """All factors' L2-regularised logistic regressions at once (the objective of scikit-learn's LogisticRegression:
    C * sum of weighted log-loss + 0.5 * |w|^2), solved jointly with L-BFGS."""
    from scipy.optimize import minimize

    n, d = x.shape
    f = y.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w = theta[: d * f].reshape(f, d)
        b = theta[d * f :]
        z = x @ w.T + b
        # log(1 + exp(-s z)) computed stably, s = +1 for positives, -1 for negatives
        s = 2.0 * y - 1.0
        m = -s * z
        loss = np.logaddexp(0.0, m)
        total = c * float((weight * loss).sum()) + 0.5 * float((w * w).sum())
        g = weight * (-s) * (1.0 / (1.0 + np.exp(-m)))  # d loss / d z
        grad_w = c * (g.T @ x) + w
        grad_b = c * g.sum(axis=0)
        return total, np.concatenate([grad_w.ravel(), grad_b]).astype(np.float64)

    theta0 = np.zeros(d * f + f, dtype=np.float64)
    result = minimize(objective, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    theta = result.x
    return theta[: d * f].reshape(f, d).astype(np.float32), theta[d * f :].astype(np.float32)


def fit_head(
    factors: list[str],
    examples: list[TrainingExample],
    embeddings: np.ndarray,
    encoder_name: str,
    options: HeadOptions | None = None,
    extra_provenance: dict[str, Any] | None = None,
    features: FeatureRecipe | None = None,
) -> FactorHead:
    """The factor head on precomputed features (rows match `examples`, made by the recipe `features`:
    the plain sentence embedding when None): a hidden layer and one logistic output per factor, or with
    ``options.hidden_units`` 0 one logistic regression per factor.
    An example says nothing about the factors in its `unknown` set: they get zero weight."""
    opts = options or HeadOptions()
    x = embeddings.astype(np.float64)
    y = np.zeros((len(examples), len(factors)), dtype=np.float64)
    weight = np.ones_like(y)
    for row, ex in enumerate(examples):
        for col, factor in enumerate(factors):
            if factor in ex.unknown:
                weight[row, col] = 0.0
            elif factor in ex.positives:
                y[row, col] = 1.0
                weight[row, col] = opts.positive_weight
    counts = {factor: int(y[:, col].sum()) for col, factor in enumerate(factors)}
    hidden = None
    if opts.hidden_units:
        hidden, coef, intercept = fit_hidden(x, y, weight, opts)
    else:
        coef, intercept = _fit_logistic(x, y, weight, opts.c)
    for col, factor in enumerate(factors):
        if counts[factor] < 2:
            coef[col] = 0.0
            intercept[col] = -6.0  # too few examples to learn: the factor never fires from the classifier
    provenance = {
        "data_hash": data_hash(examples),
        "examples": len(examples),
        "positives": counts,
        "options": asdict(opts),
        "versions": _versions(),
        **(extra_provenance or {}),
    }
    return FactorHead(
        factors, coef, intercept, dict.fromkeys(factors, DEFAULT_THRESHOLD), encoder_name, provenance,
        features=features or FeatureRecipe(), hidden=hidden,
    )


def train_head(
    factors: list[str],
    examples: list[TrainingExample],
    encoder: Encoder,
    features: FeatureRecipe | None = None,
    **kwargs: Any,
) -> FactorHead:
    recipe = features or FeatureRecipe()
    x = sentence_features(encoder, [ex.text for ex in examples], [ex.context for ex in examples], recipe)
    return fit_head(factors, examples, x, encoder.name, features=recipe, **kwargs)
