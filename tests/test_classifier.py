"""The factor classifier head: training on fake-encoder embeddings, JSON round trip, load errors, provenance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.extract.classifier import ClassifierError, FactorHead, TrainingExample, data_hash, fit_head
from assistant.extract.hidden_layer import HeadOptions
from assistant.models import HashingEncoder, ModelLoader
from assistant.pipeline import Pipeline
from assistant.settings import Settings, load_settings

FACTORS = ["domestic_abuse", "neglect", "radicalisation"]
DOMESTIC = [
    "he punched her in the face in front of the children",
    "dad pushed mum against the wall and screamed at her",
    "the neighbours heard him hitting his partner again last night",
    "she had a black eye after he punched her",
    "he threatened to kill her and smashed the kitchen door",
    "police were called because he was hitting mum",
]
NEGLECT = [
    "the children were hungry and there was no food in the fridge",
    "the baby's nappy had not been changed all day and smelt",
    "the kids come to school in dirty clothes and are always hungry",
    "the flat was filthy with rubbish and dog mess on the floor",
    "nobody feeds the children and their clothes are filthy",
    "the toddler was left alone all day with a dirty nappy",
]


@pytest.fixture(scope="module")
def encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture(scope="module")
def examples() -> list[TrainingExample]:
    out = [TrainingExample(t, {"domestic_abuse"}) for t in DOMESTIC]
    out += [TrainingExample(t, {"neglect"}) for t in NEGLECT]
    # one positive for radicalisation is too few to learn from
    out.append(TrainingExample("he watches extremist videos every night", {"radicalisation"}))
    # says nothing reliable about neglect: it must not count as a neglect positive or negative
    out.append(TrainingExample("mum was hit and the house is filthy", {"domestic_abuse", "neglect"}, {"neglect"}))
    return out


# both kinds of head: plain logistic regressions, and a hidden layer (small and trained longer for 14 sentences)
KINDS = {
    "logistic": HeadOptions(hidden_units=0),
    "hidden": HeadOptions(hidden_units=16, epochs=200, input_dropout=0.0, dropout=0.0, learning_rate=3e-3),
}


def _fit(kind: str, examples: list[TrainingExample], encoder: HashingEncoder) -> FactorHead:
    embeddings = encoder.encode([ex.text for ex in examples])
    return fit_head(FACTORS, examples, embeddings, encoder.name, KINDS[kind], extra_provenance={"trained_from": "unit test"})


@pytest.fixture(scope="module")
def hidden_head(examples: list[TrainingExample], encoder: HashingEncoder) -> FactorHead:
    return _fit("hidden", examples, encoder)


@pytest.fixture(scope="module", params=list(KINDS))
def head(request: pytest.FixtureRequest, examples: list[TrainingExample], encoder: HashingEncoder, hidden_head: FactorHead) -> FactorHead:
    return hidden_head if request.param == "hidden" else _fit(request.param, examples, encoder)


def test_head_learns_to_separate_two_factors(head: FactorHead, encoder: HashingEncoder) -> None:
    probs = head.predict_proba(
        encoder.encode(["he punched mum and pushed her against the wall", "the children were hungry and filthy"])
    )
    da, ne, rad = (FACTORS.index(f) for f in FACTORS)
    assert probs.shape == (2, 3)
    assert probs[0, da] > 0.5 > probs[0, ne]
    assert probs[1, ne] > 0.5 > probs[1, da]
    assert probs[0, da] > probs[1, da] and probs[1, ne] > probs[0, ne]
    # a factor with fewer than two positives never fires from the classifier
    assert probs[:, rad].max() < 0.01
    assert head.provenance["positives"] == {"domestic_abuse": 7, "neglect": 6, "radicalisation": 1}


def test_no_sentences_give_an_empty_matrix(head: FactorHead) -> None:
    assert head.predict_proba(np.zeros((0, 256), dtype=np.float32)).shape == (0, 3)


def test_json_round_trip_keeps_predictions(tmp_path: Path, head: FactorHead, encoder: HashingEncoder) -> None:
    path = tmp_path / "factor_head.json"
    path.write_text(head.to_json(), encoding="utf-8")
    loaded = FactorHead.load(path)
    assert loaded.factors == head.factors
    assert loaded.thresholds == head.thresholds == dict.fromkeys(FACTORS, 0.5)
    assert loaded.encoder == "fake:hashing"
    assert loaded.provenance == head.provenance
    assert loaded.version == head.version == head.provenance["data_hash"][:12]
    embeddings = encoder.encode(DOMESTIC[:2] + NEGLECT[:2] + ["an unrelated sentence about the weather"])
    np.testing.assert_allclose(loaded.predict_proba(embeddings), head.predict_proba(embeddings), atol=1e-4)
    expected = "frontdoor-factor-head/2" if head.hidden is not None else "frontdoor-factor-head/1"
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == expected


def test_hidden_layer_retrains_the_same(hidden_head: FactorHead, examples: list[TrainingExample], encoder: HashingEncoder) -> None:
    first, again = hidden_head, _fit("hidden", examples, encoder)
    assert first.hidden is not None and again.hidden is not None
    assert first.hidden.weight.shape == (16, 256) and first.coef.shape == (3, 16)
    np.testing.assert_array_equal(first.hidden.weight, again.hidden.weight)  # the seed makes a retrain repeatable
    assert first.provenance["options"]["hidden_units"] == 16


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["hidden"].update(weight="not base64!"),
        lambda d: d["hidden"].update(shape=[8, 256]),
        lambda d: d.pop("hidden"),
        lambda d: d.update(coef=[row[:8] for row in d["coef"]]),
    ],
    ids=["weight not base64", "wrong shape", "no hidden layer", "coef does not fit the units"],
)
def test_damaged_hidden_layer(tmp_path: Path, hidden_head: FactorHead, change) -> None:  # type: ignore[no-untyped-def]
    _assert_damaged(tmp_path, hidden_head, change)


def _assert_damaged(tmp_path: Path, head: FactorHead, change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(head.to_json())
    change(data)
    path = tmp_path / "head.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"head\.json is damaged .*retrain with `frontdoor train"):
        FactorHead.load(path)


def test_provenance_has_data_hash_and_versions(head: FactorHead, examples: list[TrainingExample]) -> None:
    provenance = head.provenance
    assert provenance["data_hash"] == data_hash(examples)
    assert provenance["examples"] == len(examples)
    assert provenance["trained_from"] == "unit test"
    assert {"python", "numpy", "spacy"} <= set(provenance["versions"])
    assert all(isinstance(v, str) and v for v in provenance["versions"].values())


def test_data_hash_changes_with_text_labels_and_unknowns(examples: list[TrainingExample]) -> None:
    base = data_hash(examples)
    assert data_hash(list(examples)) == base
    relabelled = [TrainingExample(examples[0].text, {"neglect"}), *examples[1:]]
    assert data_hash(relabelled) != base
    unknown = [TrainingExample(examples[0].text, examples[0].positives, {"neglect"}), *examples[1:]]
    assert data_hash(unknown) != base
    assert data_hash(examples[::-1]) != base


def test_missing_head_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError) as err:
        FactorHead.load(tmp_path / "nothing.json")
    message = str(err.value)
    assert str(tmp_path / "nothing.json") in message
    assert "does not exist" in message and "frontdoor train" in message and "FRONTDOOR_USE_CLASSIFIER=false" in message


def test_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "head.json"
    path.write_text('{"format": "frontdoor-factor-head/1", "factors": [', encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"head\.json is not valid JSON"):
        FactorHead.load(path)
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(ClassifierError, match="is not valid JSON"):
        FactorHead.load(path)


@pytest.mark.parametrize("content", [{"format": "something-else/1", "factors": []}, {"factors": []}, [1, 2, 3], "head"])
def test_not_a_head(tmp_path: Path, content: object) -> None:
    path = tmp_path / "head.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"head\.json is not a Front Door classifier head"):
        FactorHead.load(path)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("coef"),
        lambda d: d.update(thresholds=[0.5]),
        lambda d: d.update(intercept=d["intercept"][:-1]),
        lambda d: d.update(coef=[[1.0, 2.0], [3.0]]),
    ],
    ids=["no coef", "thresholds not a mapping", "intercept short", "ragged coef"],
)
def test_damaged_head(tmp_path: Path, head: FactorHead, change) -> None:  # type: ignore[no-untyped-def]
    _assert_damaged(tmp_path, head, change)


def test_dimension_mismatch_says_to_retrain(head: FactorHead) -> None:
    with pytest.raises(ClassifierError) as err:
        head.predict_proba(np.ones((1, 384), dtype=np.float32))
    message = str(err.value)
    assert "trained on 256-dimension features (fake:hashing)" in message
    assert "was given 384" in message and "retrain with `frontdoor train`" in message


def test_pipeline_with_a_missing_head_raises_classifier_error(tmp_path: Path) -> None:
    settings: Settings = load_settings(
        data_dir=tmp_path, use_classifier=True, classifier_path=tmp_path / "classifier" / "missing.json"
    )
    pipeline = Pipeline(settings, ModelLoader(settings, encoder="fake"))
    with pytest.raises(ClassifierError, match="missing.json does not exist"):
        _ = pipeline.head


def test_pipeline_prefers_a_trained_head_in_the_data_dir(tmp_path: Path, head: FactorHead) -> None:
    target = tmp_path / "classifier" / "factor_head.json"
    target.parent.mkdir()
    target.write_text(head.to_json(), encoding="utf-8")
    settings = load_settings(data_dir=tmp_path, use_classifier=True)
    assert settings.resolved_classifier_path() == target
    loaded = Pipeline(settings, ModelLoader(settings, encoder="fake")).head
    assert loaded is not None and loaded.version == head.version
    off = load_settings(data_dir=tmp_path, use_classifier=False)
    assert Pipeline(off, ModelLoader(off, encoder="fake")).head is None
