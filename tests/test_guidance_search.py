"""Guidance search: abbreviations, intents, factor routing, BM25, re-ranking, the vocabulary file and
the fixed tuning / held-out split of the retrieval queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.search import FactorExamples, HybridSearcher, LexicalIndex, VocabularyError, load_vocabulary
from assistant.guidance.service import Guidance
from assistant.models import HashingEncoder, ModelLoader
from evals.guidance.common import load_queries, query_split
from tests.guidance_fixtures import REAL_CORPUS, make_corpus


def test_abbreviations_are_expanded_and_intents_found() -> None:
    vocabulary, version = load_vocabulary(REAL_CORPUS)
    assert version.startswith("3+")
    expanded = vocabulary.expand("do we go straight to strat after the HV visit")
    assert "strategy discussion" in expanded and "health visitor" in expanded
    assert expanded.startswith("do we go straight to strat")
    assert vocabulary.expand("nothing to expand here") == "nothing to expand here"
    assert "key-questions" in vocabulary.intent_sections("what to ask about a bruise")
    assert "thresholds-and-pathways" in vocabulary.intent_sections("is that CP?")
    assert vocabulary.intent_sections("a bruise on his arm") == set()


def test_bm25_prefers_rare_matching_words() -> None:
    index = LexicalIndex(["a", "b", "c"], ["the bruise on the baby", "dad drinks every night", "bruise bruise arm"])
    scores = index.scores("Bruise baby")
    assert scores[0] > scores[2] > 0 and scores[1] == 0
    assert not index.scores("unknown words").any()


def test_a_missing_vocabulary_means_plain_search_and_a_bad_one_is_named(tmp_path: Path) -> None:
    vocabulary, version = load_vocabulary(tmp_path)
    assert version == "none" and vocabulary.abbreviations == {}
    (tmp_path / "search_vocabulary.yaml").write_text("version: '1'\nranking: {lexical: -1}\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"search_vocabulary.yaml: ranking.lexical"):
        load_vocabulary(tmp_path)


def test_factor_examples_come_from_the_taxonomy_and_a_broken_one_is_named(tmp_path: Path) -> None:
    vocabulary, version = load_vocabulary(REAL_CORPUS)
    assert vocabulary.factor_examples == "taxonomy.yaml" and vocabulary.ranking.factor > 0
    assert len(vocabulary.examples["neglect"]) > 5  # the description and the example sentences
    (tmp_path / "search_vocabulary.yaml").write_text("version: '1'\nfactor_examples: taxonomy.yaml\n", "utf-8")
    unrouted, unrouted_version = load_vocabulary(tmp_path)
    assert unrouted.examples == {} and unrouted_version.endswith("+no-factor-examples")
    (tmp_path / "taxonomy.yaml").write_text("version: '1'\nfactors: [{id: neglect}]\n", "utf-8")
    with pytest.raises(VocabularyError, match=r"factor_examples: .*taxonomy.yaml: factors.0 \(id neglect\)"):
        load_vocabulary(tmp_path)
    (tmp_path / "search_vocabulary.yaml").write_text("version: '1'\nexamples: {neglect: [hungry]}\n", "utf-8")
    with pytest.raises(VocabularyError, match=r"examples: read from the factor_examples file"):
        load_vocabulary(tmp_path)


def test_factor_likeness_picks_the_factor_whose_examples_the_query_resembles() -> None:
    examples = {
        "neglect": ["he is always hungry and his clothes are dirty", "no food in the house"],
        "physical_abuse": ["a bruise on his cheek", "she hit him with a belt"],
    }
    factors = FactorExamples.encode(HashingEncoder(), examples)
    query = HashingEncoder().encode(["always hungry, no food at home"])[0]
    likeness = factors.likeness(query, neighbours=1)
    assert likeness["neglect"] > 0 > likeness["physical_abuse"]
    assert FactorExamples.encode(HashingEncoder(), examples) is factors  # encoded once per process


def _searcher(tmp_path: Path, **ranking: float) -> HybridSearcher:
    settings = make_corpus(tmp_path)
    guidance = Guidance.open(settings, ModelLoader(settings, encoder="fake"))
    vocabulary = guidance.vocabulary.model_copy(
        update={"ranking": guidance.vocabulary.ranking.model_copy(update=ranking)}
    )
    return HybridSearcher(guidance.index, vocabulary)


def test_a_found_page_brings_all_its_sections_into_the_ranking(tmp_path: Path) -> None:
    narrow = {"candidates": 1, "lexical_candidates": 0, "page": 0.0}
    without = _searcher(tmp_path / "a", **narrow, page_candidates=0).search("finger-mark bruises on the arm", k=10)
    assert len(without) == 1  # only the one nearest passage was a candidate
    found = _searcher(tmp_path / "b", **narrow, page_candidates=1).search("finger-mark bruises on the arm", k=10)
    assert found[0].cite == "factor-physical-abuse#what-it-looks-like"
    assert {h.slug for h in found} == {"what-it-looks-like", "thresholds-and-pathways", "key-questions"}
    assert {h.doc_id for h in found} == {"factor-physical-abuse"}


def test_the_query_intent_lifts_the_section_that_answers_it(tmp_path: Path) -> None:
    query = "bruise on the cheek, what to ask"
    want = "factor-physical-abuse#key-questions"
    plain = _searcher(tmp_path / "a", intent=0.0, factor=0.0, intent_first=False).search(query, k=10)
    asked = _searcher(tmp_path / "b", intent=0.5, factor=0.0, intent_first=False).search(query, k=10)
    assert plain[0].cite == "factor-physical-abuse#what-it-looks-like"
    before = next(i for i, h in enumerate(plain) if h.cite == want)
    after = next(i for i, h in enumerate(asked) if h.cite == want)
    assert after < before and asked[after].score >= plain[before].score + 0.5
    assert [h.score for h in asked] == sorted((h.score for h in asked), reverse=True)


def test_intent_first_puts_the_answering_section_first_on_each_page_and_keeps_the_pages_order(
    tmp_path: Path,
) -> None:
    query = "bruise on the cheek, what to ask"
    plain = _searcher(tmp_path / "a", intent=0.0, factor=0.0, intent_first=False).search(query, k=10)
    first = _searcher(tmp_path / "b", intent=0.0, factor=0.0, intent_first=True).search(query, k=10)
    assert plain[0].cite == "factor-physical-abuse#what-it-looks-like"
    assert first[0].cite == "factor-physical-abuse#key-questions"
    assert sorted(h.cite for h in first) == sorted(h.cite for h in plain)  # the same sections, reordered
    pages = [h.doc_id for h in plain]
    assert list(dict.fromkeys(h.doc_id for h in first)) == list(dict.fromkeys(pages))
    no_intent = _searcher(tmp_path / "c", intent=0.0, factor=0.0, intent_first=True).search("bruise on the cheek", k=10)
    assert [h.cite for h in no_intent][:1] == ["factor-physical-abuse#what-it-looks-like"]


def test_query_splits_are_fixed_halves_of_unique_ids() -> None:
    every = load_queries()
    tuning, held_out = load_queries("tuning"), load_queries("held-out")
    assert len(tuning) + len(held_out) == len(every) and tuning and held_out
    assert {q["id"] for q in tuning}.isdisjoint(q["id"] for q in held_out)
    assert all(query_split(q["id"]) == "tuning" for q in tuning)
    assert query_split("rq-001") == query_split("rq-001")
