"""Query handling of guidance search: abbreviations, intents, BM25 and the vocabulary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.search import LexicalIndex, VocabularyError, load_vocabulary
from tests.guidance_fixtures import REAL_CORPUS


def test_abbreviations_are_expanded_and_intents_found() -> None:
    vocabulary, version = load_vocabulary(REAL_CORPUS)
    assert version.startswith("1+")
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
