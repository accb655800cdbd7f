"""What the heads read: pooled layers of the sentence and the embedding of its turn (fake encoder;
one marked test with the real MiniLM)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.extract.analysis import Analyser
from assistant.extract.classifier import ClassifierError, FactorHead, TrainingExample, fit_head, train_head
from assistant.extract.extractor import Extractor
from assistant.extract.features import FeatureError, FeatureRecipe, sentence_features
from assistant.extract.hidden_layer import HeadOptions
from assistant.models import HashingEncoder, ModelLoader
from assistant.settings import load_settings

RECIPE = FeatureRecipe(layers=(2, 4, -1), turn_context=True)
LOGISTIC = HeadOptions(hidden_units=0)  # the features are under test, and logistic regressions learn them from 20 sentences


class PlainEncoder:
    """An encoder with no hidden layers to offer (like the guidance stage's fakes)."""

    name = "fake:plain"
    dim = 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return HashingEncoder().encode(texts)


def test_recipe_round_trip_and_old_heads() -> None:
    assert FeatureRecipe.from_dict(RECIPE.to_dict()) == RECIPE
    assert FeatureRecipe.from_dict(None) == FeatureRecipe(layers=(-1,), turn_context=False)
    assert RECIPE.dim(384) == 4 * 384
    with pytest.raises(ValueError):
        FeatureRecipe.from_dict({"layers": []})


def test_features_are_layers_then_turn() -> None:
    encoder = HashingEncoder()
    x = sentence_features(encoder, ["he drinks", "he drinks"], ["he drinks. every night.", ""], RECIPE)
    assert x.shape == (2, 4 * encoder.dim)
    # the layer blocks are the sentence's own; the turn block differs, and with no turn it is the sentence
    assert np.allclose(x[0, : 3 * encoder.dim], x[1, : 3 * encoder.dim])
    assert not np.allclose(x[0, 3 * encoder.dim :], x[1, 3 * encoder.dim :])
    assert np.allclose(x[1, 3 * encoder.dim :], encoder.encode(["he drinks"])[0])
    assert sentence_features(encoder, [], [], RECIPE).shape == (0, 4 * encoder.dim)


def test_plain_recipe_is_the_sentence_embedding_and_needs_no_layers() -> None:
    x = sentence_features(PlainEncoder(), ["mum was crying"], [""], FeatureRecipe())
    assert np.allclose(x, HashingEncoder().encode(["mum was crying"]))
    with pytest.raises(FeatureError, match="cannot give them"):
        sentence_features(PlainEncoder(), ["mum was crying"], [""], RECIPE)


def test_a_head_uses_the_turn_around_a_short_answer() -> None:
    """The same words ("most nights, yes") mean drinking in one turn and bedtime stories in another."""
    encoder = HashingEncoder()
    drink = "dad drinks cans of lager on his own"
    read = "mum reads them a story at bedtime"
    examples = [TrainingExample("most nights, yes", {"parental_substance_misuse"}, context=f"{drink}. most nights, yes")] * 4
    examples += [TrainingExample("most nights, yes", set(), context=f"{read}. most nights, yes")] * 4
    examples += [TrainingExample(drink, {"parental_substance_misuse"}), TrainingExample(read, set())] * 2
    head = train_head(["parental_substance_misuse"], examples, encoder, features=RECIPE, options=LOGISTIC)
    assert head.features == RECIPE
    x = sentence_features(
        encoder, ["most nights, yes"] * 2, [f"{drink}. most nights, yes", f"{read}. most nights, yes"], RECIPE
    )
    p = head.predict_proba(x)[:, 0]
    assert p[0] > 0.5 > p[1]


def test_head_json_keeps_its_recipe_and_old_heads_load(tmp_path: Path) -> None:
    encoder = HashingEncoder()
    examples = [TrainingExample("he hit her", {"domestic_abuse"}), TrainingExample("he hit mum again", {"domestic_abuse"})]
    examples.append(TrainingExample("they went to the park", set()))
    head = train_head(["domestic_abuse"], examples, encoder, features=RECIPE)
    path = tmp_path / "head.json"
    path.write_text(head.to_json(), encoding="utf-8")
    assert FactorHead.load(path).features == RECIPE
    old = fit_head(["domestic_abuse"], examples, encoder.encode([e.text for e in examples]), encoder.name, LOGISTIC)
    data = old.to_json().replace(', "features": {"layers": [-1], "turn_context": false}', "")
    assert '"features"' not in data
    path.write_text(data, encoding="utf-8")
    assert FactorHead.load(path).features == FeatureRecipe()


def test_extractor_refuses_a_head_its_encoder_cannot_feed(analyser: Analyser) -> None:
    examples = [TrainingExample("he hit her", {"domestic_abuse"}), TrainingExample("he hit mum", {"domestic_abuse"})]
    head = train_head(["domestic_abuse"], examples, HashingEncoder(), features=RECIPE)
    with pytest.raises(ClassifierError, match="hidden layers"):
        Extractor(analyser, PlainEncoder(), head)  # type: ignore[arg-type]


@pytest.mark.models
def test_minilm_layers() -> None:
    encoder = ModelLoader(load_settings(use_classifier=False), encoder="minilm").encoder
    texts = ["dad drinks most nights", "she's doing really well at school, top of her class"]
    plain = encoder.encode(texts)
    assert np.allclose(encoder.encode_layers(texts, (-1,)), plain, atol=1e-6)  # type: ignore[attr-defined]
    x = encoder.encode_layers(texts, (2, 4, -1))  # type: ignore[attr-defined]
    assert x.shape == (2, 3 * encoder.dim)
    blocks = x.reshape(2, 3, encoder.dim)
    assert np.allclose(np.linalg.norm(blocks, axis=2), 1.0, atol=1e-5)
    assert np.allclose(blocks[:, 2], plain, atol=1e-6)
    assert not np.allclose(blocks[:, 0], plain, atol=1e-2)
