"""What the factor and status heads read about a caller's sentence: the encoder's pooled hidden
states of chosen layers, and optionally the embedding of the whole turn the sentence is in (the
rest of the answer often says what a short sentence is about). The recipe is saved in the head, so
a head is always fed what it was trained on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from assistant.models import Encoder, LayeredEncoder


class FeatureError(ValueError):
    """The encoder cannot give the features a head was trained on."""


@dataclass(frozen=True)
class FeatureRecipe:
    """Which features a head reads; saved in the head's JSON."""

    layers: tuple[int, ...] = (-1,)  # hidden layers pooled for the sentence (-1: the last, the plain embedding)
    turn_context: bool = False  # also the last layer's embedding of the sentence's whole turn

    def dim(self, encoder_dim: int) -> int:
        return encoder_dim * (len(self.layers) + int(self.turn_context))

    def to_dict(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "turn_context": self.turn_context}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FeatureRecipe:
        """The recipe saved in a head; a head saved without one read the plain sentence embedding."""
        if data is None:
            return cls()
        layers = tuple(int(x) for x in data["layers"])
        if not layers:
            raise ValueError("a feature recipe needs at least one layer")
        return cls(layers=layers, turn_context=bool(data.get("turn_context", False)))


# What `frontdoor train` uses: three layers of the sentence and its turn (chosen by cross-validation on the
# development calls; see evals/reports/README.md).
TRAINING_RECIPE = FeatureRecipe(layers=(2, 4, -1), turn_context=True)


def layered(encoder: Encoder, layers: Sequence[int]) -> LayeredEncoder:
    """``encoder`` as one that pools hidden layers; FeatureError when it cannot."""
    if not callable(getattr(encoder, "encode_layers", None)):
        raise FeatureError(
            f"the classifier head reads hidden layers {list(layers)} but the encoder {encoder.name} "
            "cannot give them; use the MiniLM encoder or retrain the head with this encoder"
        )
    return cast(LayeredEncoder, encoder)


def sentence_features(
    encoder: Encoder, texts: Sequence[str], contexts: Sequence[str], recipe: FeatureRecipe
) -> np.ndarray:
    """One row per sentence. ``contexts`` are the sentences' whole turns ("" where there is none: the
    sentence stands for itself)."""
    if len(contexts) != len(texts):
        raise ValueError("one context per sentence")
    if recipe.layers == (-1,):
        blocks = [encoder.encode(texts)]
    else:
        blocks = [layered(encoder, recipe.layers).encode_layers(texts, recipe.layers)]
    if not texts:
        return np.zeros((0, recipe.dim(encoder.dim)), dtype=np.float32)
    if recipe.turn_context:
        blocks.append(_turn_block(encoder, texts, contexts, blocks[0], recipe))
    return np.hstack(blocks)


def _turn_block(
    encoder: Encoder, texts: Sequence[str], contexts: Sequence[str], layers: np.ndarray, recipe: FeatureRecipe
) -> np.ndarray:
    """The last layer's embedding of each sentence's turn: each turn encoded once, and a turn that is
    the sentence itself taken from the sentence's own last-layer block where it has one."""
    turns = [c or t for c, t in zip(contexts, texts, strict=True)]
    last = recipe.layers.index(-1) if -1 in recipe.layers else None
    todo = list(dict.fromkeys(turn for turn, text in zip(turns, texts, strict=True) if last is None or turn != text))
    encoded = dict(zip(todo, encoder.encode(todo), strict=True)) if todo else {}
    dim = encoder.dim
    rows = [
        layers[i, last * dim : (last + 1) * dim] if last is not None and turn == texts[i] else encoded[turn]
        for i, turn in enumerate(turns)
    ]
    return np.stack(rows).astype(np.float32)
