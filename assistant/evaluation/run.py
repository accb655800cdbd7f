"""Draft every labelled call through the pipeline and score it. Anything trained on the same calls
(the classifier head) is cross-validated: each fold is drafted by a head trained without it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assistant.evaluation.report import headline
from assistant.evaluation.scoring import Scores, score
from assistant.extract.classifier import FactorHead, TrainingExample, fit_head
from assistant.extract.features import TRAINING_RECIPE, FeatureRecipe, layered, sentence_features
from assistant.extract.hidden_layer import HeadOptions
from assistant.extract.status_head import fit_status_head
from assistant.extract.training import call_examples, status_examples, taxonomy_examples
from assistant.labelled import LabelledCall
from assistant.models import Encoder
from assistant.pipeline import Pipeline
from assistant.records import DraftRecord
from assistant.transcript_io import InputError


class CachingEncoder:
    """Remembers embeddings by text (and layers), so folds and retraining do not encode a sentence twice."""

    def __init__(self, encoder: Encoder) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self._cache: dict[tuple[str, tuple[int, ...] | None], np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._cached(texts, None, self.dim)

    def encode_layers(self, texts: Sequence[str], layers: Sequence[int]) -> np.ndarray:
        return self._cached(texts, tuple(layers), self.dim * len(layers))

    def _cached(self, texts: Sequence[str], layers: tuple[int, ...] | None, width: int) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (t, layers) not in self._cache]
        if missing:
            if layers is None:
                vectors = self.inner.encode(missing)
            else:
                vectors = layered(self.inner, layers).encode_layers(missing, layers)
            for text, vec in zip(missing, vectors, strict=True):
                self._cache[(text, layers)] = vec
        if not texts:
            return np.zeros((0, width), dtype=np.float32)
        return np.stack([self._cache[(t, layers)] for t in texts])


def training_examples(pipeline: Pipeline, calls: list[LabelledCall]) -> list[TrainingExample]:
    return taxonomy_examples(pipeline.knowledge.taxonomy) + call_examples(pipeline.analyser, calls)


def train_heads(
    pipeline: Pipeline,
    calls: list[LabelledCall],
    encoder: Encoder,
    seeds: Sequence[int],
    recipe: FeatureRecipe = TRAINING_RECIPE,
    options: HeadOptions | None = None,
    **provenance: Any,
) -> list[FactorHead]:
    """The factor head and its status heads, trained on the taxonomy's examples and labelled calls, once
    for each torch seed in ``seeds`` (the status heads do not depend on a seed: all the heads share them).
    Strengths get a status head of their own, fitted without balancing the statuses:
    a strength is nearly always present (91% of the gold strengths), and a head balanced for the risks'
    statuses read strengths said in negative words ("never missed a day", "no problems there at all")
    as ruled out."""
    opts = options or HeadOptions()
    examples = training_examples(pipeline, calls)
    factors = [f.id for f in pipeline.knowledge.taxonomy.factors]
    extra = {"labelled_calls": len(calls), "knowledge": dict(pipeline.knowledge.versions), **provenance}
    x = sentence_features(encoder, [ex.text for ex in examples], [ex.context for ex in examples], recipe)
    statuses = status_examples(pipeline.analyser, calls)
    embeddings = sentence_features(encoder, [ex.text for ex in statuses], [ex.context for ex in statuses], recipe)
    status = fit_status_head(statuses, embeddings)
    rows = [i for i, ex in enumerate(statuses) if ex.strength]
    strength_status = fit_status_head([statuses[i] for i in rows], embeddings[rows], reads_kind=False, balance=False)
    heads = []
    for seed in seeds:
        head = fit_head(factors, examples, x, encoder.name, replace(opts, seed=seed), extra, features=recipe)
        head.status, head.strength_status = status, strength_status
        heads.append(head)
    return heads


def train_on(
    pipeline: Pipeline,
    calls: list[LabelledCall],
    encoder: Encoder,
    recipe: FeatureRecipe = TRAINING_RECIPE,
    options: HeadOptions | None = None,
    **provenance: Any,
) -> FactorHead:
    """The head of `train_heads` for the seed of ``options``."""
    seed = (options or HeadOptions()).seed
    return train_heads(pipeline, calls, encoder, [seed], recipe, options, **provenance)[0]


def _with_head(base: Pipeline, head: FactorHead) -> Pipeline:
    """``base`` with another classifier head, sharing its loaded models, knowledge and guidance."""
    pipeline = Pipeline(base.settings, base.loader, head=head, guidance=base.guidance)
    pipeline.__dict__["knowledge"] = base.knowledge
    pipeline.__dict__["analyser"] = base.analyser
    return pipeline


def check_unseen(calls: list[LabelledCall], trained_on: list[LabelledCall]) -> None:
    """Raises InputError when a call to score a head on is one it learns from (by call id)."""
    seen = sorted({c.transcript.id for c in trained_on} & {c.transcript.id for c in calls})
    if seen:
        raise InputError(
            f"{len(seen)} of the calls to score the head on are among those it learns from "
            f"({', '.join(seen[:3])}{', ...' if len(seen) > 3 else ''}); score it on calls it does not learn from"
        )


def score_head(base: Pipeline, head: FactorHead, calls: list[LabelledCall], trained_on: list[LabelledCall]) -> dict[str, Any]:
    """The contract scores of the pipeline with ``head`` on labelled calls it did not learn from, for the
    head's provenance. Raises InputError when a call was among those it was trained on."""
    check_unseen(calls, trained_on)
    run = evaluate(_with_head(base, head), calls, folds=0)
    return {"calls": len(calls), **{k: round(float(v), 4) for k, v in headline(run.scores).items()}}


def fold_of(call: LabelledCall, folds: int) -> int:
    """Deterministic fold from the call id, stable when calls are added."""
    return sum(call.transcript.id.encode()) % folds


@dataclass
class EvalRun:
    scores: Scores
    records: list[DraftRecord]
    method: str
    # with several seeds: the headline scores of the heads of each seed (the first is `scores`')
    by_seed: list[dict[str, float]] = field(default_factory=list)


def evaluate(
    base: Pipeline,
    calls: list[LabelledCall],
    folds: int = 5,
    progress: Callable[[int], None] | None = None,
    also_train: list[LabelledCall] | None = None,
    seeds: int = 1,
) -> EvalRun:
    """Draft and score `calls`. With folds >= 2 the classifier is retrained per fold (cross-validation);
    with folds < 2 the pipeline's configured classifier is used as it is (for calls it never saw).
    `also_train` are further labelled calls every fold's head learns from (never scored). With
    ``seeds`` > 1 each fold's head is also fitted with seeds 1 .. seeds-1 and every seed's calls are
    drafted and scored: `scores` stay seed 0's, `by_seed` holds the headline of each seed. `progress`
    is told of every call drafted (calls times seeds in all)."""
    if seeds < 1:
        raise ValueError("seeds must be at least 1")
    records: list[dict[str, DraftRecord]] = [{} for _ in range(seeds)]
    by_seed: list[dict[str, float]] = []
    if folds >= 2 and base.settings.use_classifier:
        encoder = CachingEncoder(base.loader.encoder)
        for fold in range(folds):
            held_out = [c for c in calls if fold_of(c, folds) == fold]
            if not held_out:
                continue
            training = [c for c in calls if fold_of(c, folds) != fold] + list(also_train or [])
            for seed, head in enumerate(train_heads(base, training, encoder, range(seeds))):
                fold_pipeline = _with_head(base, head)
                for call in held_out:
                    records[seed][call.transcript.id] = fold_pipeline.draft(call.transcript)
                    if progress:
                        progress(1)
        method = f"{folds}-fold cross-validation of the classifier head (rules and corpus data are not trained)"
        if also_train:
            method += f"; every fold also trained on {len(also_train)} further labelled calls"
        if seeds > 1:
            method += f"; heads fitted with torch seeds 0 to {seeds - 1}, the scores are seed 0's"
            by_seed = [headline(score(calls, [r[c.transcript.id] for c in calls])) for r in records]
    else:
        for call in calls:
            records[0][call.transcript.id] = base.draft(call.transcript)
            if progress:
                progress(1)
        method = "the configured classifier head, not retrained" if base.settings.use_classifier else "rules only"
    ordered = [records[0][c.transcript.id] for c in calls]
    return EvalRun(scores=score(calls, ordered), records=ordered, method=method, by_seed=by_seed)
