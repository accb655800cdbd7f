"""The factor head's optional hidden layer: one dense layer with GELU between the sentence features and
the per-factor logistic outputs, trained with torch and applied with numpy (so drafting needs no
autograd). Saved in the head's JSON as base64 float32, so a loaded head predicts exactly as trained."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class HeadOptions:
    """How the factor head is fitted; saved in its provenance."""

    hidden_units: int = 256  # units of the hidden layer; 0 fits plain logistic regressions (the head before 2026-12)
    epochs: int = 30  # passes over the training sentences (hidden layer only)
    batch_size: int = 128  # sentences per optimiser step (hidden layer only)
    learning_rate: float = 1e-3  # AdamW step size (hidden layer only)
    weight_decay: float = 1e-4  # AdamW weight decay (hidden layer only)
    input_dropout: float = 0.1  # share of input features dropped while training (hidden layer only)
    dropout: float = 0.3  # share of hidden units dropped while training (hidden layer only)
    seed: int = 0  # torch's random seed, so a retrain on the same data gives the same head
    c: float = 16.0  # inverse L2 strength of the logistic regressions (hidden_units 0 only)
    positive_weight: float = 2.0  # loss weight of a positive example relative to a negative one

    def __post_init__(self) -> None:
        if self.hidden_units < 0 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError("hidden_units must be >= 0, epochs and batch_size >= 1")
        if not (0.0 <= self.dropout < 1.0 and 0.0 <= self.input_dropout < 1.0):
            raise ValueError("dropout and input_dropout must be in [0, 1)")


def _encode(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def _decode(text: str, shape: tuple[int, ...]) -> np.ndarray:
    flat = np.frombuffer(base64.b64decode(text.encode("ascii"), validate=True), dtype="<f4")
    if flat.size != int(np.prod(shape)):
        raise ValueError(f"expected {int(np.prod(shape))} numbers for shape {list(shape)}, found {flat.size}")
    return flat.reshape(shape).astype(np.float32)


@dataclass
class HiddenLayer:
    weight: np.ndarray  # (units, input dim)
    bias: np.ndarray  # (units,)

    @property
    def input_dim(self) -> int:
        return int(self.weight.shape[1])

    def apply(self, x: np.ndarray) -> np.ndarray:
        from scipy.special import erf

        z = x @ self.weight.T + self.bias
        return (0.5 * z * (1.0 + erf(z / np.sqrt(2.0)))).astype(np.float32)  # exact GELU, as torch's default

    def to_dict(self) -> dict[str, Any]:
        return {"shape": list(self.weight.shape), "weight": _encode(self.weight), "bias": _encode(self.bias)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HiddenLayer:
        units, dim = (int(n) for n in data["shape"])
        return cls(_decode(data["weight"], (units, dim)), _decode(data["bias"], (units,)))


def fit_hidden(
    x: np.ndarray, y: np.ndarray, weight: np.ndarray, options: HeadOptions
) -> tuple[HiddenLayer, np.ndarray, np.ndarray]:
    """Input dropout, dense layer, GELU, dropout, one logit per factor; weighted binary cross-entropy
    (``weight`` 0 leaves an example out of a factor's loss). Returns the layer and the output coef, intercept."""
    import torch

    torch.manual_seed(options.seed)
    features = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    targets = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
    weights = torch.from_numpy(np.ascontiguousarray(weight, dtype=np.float32))
    dense = torch.nn.Linear(features.shape[1], options.hidden_units)
    out = torch.nn.Linear(options.hidden_units, targets.shape[1])
    net = torch.nn.Sequential(
        torch.nn.Dropout(options.input_dropout), dense, torch.nn.GELU(), torch.nn.Dropout(options.dropout), out
    )
    optimiser = torch.optim.AdamW(net.parameters(), lr=options.learning_rate, weight_decay=options.weight_decay)
    n = features.shape[0]
    net.train()
    for _ in range(options.epochs):
        order = torch.randperm(n)
        for start in range(0, n, options.batch_size):
            rows = order[start : start + options.batch_size]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(features[rows]), targets[rows], reduction="none")
            optimiser.zero_grad()
            ((loss * weights[rows]).sum() / len(rows)).backward()
            optimiser.step()
    with torch.no_grad():
        layer = HiddenLayer(dense.weight.numpy().copy(), dense.bias.numpy().copy())
        return layer, out.weight.numpy().copy(), out.bias.numpy().copy()
