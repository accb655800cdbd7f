"""Vectors of fixed corpus texts kept on disk: reused by a new process, rebuilt when damaged."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.models import HashingEncoder
from assistant.stored_vectors import StoredVectors


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(dim=32)
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        return super().encode(texts)


TEXTS = ["Does the family know about the call?", "Where is the child tonight?"]


def test_a_second_process_reuses_the_stored_vectors(tmp_path: Path) -> None:
    first = CountingEncoder()
    vectors = StoredVectors(first, tmp_path).encode(TEXTS)
    assert first.encoded == TEXTS
    second = CountingEncoder()
    again = StoredVectors(second, tmp_path).encode(TEXTS + [TEXTS[0]])
    assert second.encoded == []
    np.testing.assert_allclose(again[:2], vectors)
    np.testing.assert_allclose(again[2], vectors[0])


def test_only_new_texts_are_encoded(tmp_path: Path) -> None:
    StoredVectors(CountingEncoder(), tmp_path).encode(TEXTS[:1])
    enc = CountingEncoder()
    StoredVectors(enc, tmp_path).encode(TEXTS)
    assert enc.encoded == TEXTS[1:]


def test_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    store = StoredVectors(CountingEncoder(), tmp_path)
    store.encode(TEXTS)
    store.path.write_bytes(b"not a zip file")
    enc = CountingEncoder()
    vectors = StoredVectors(enc, tmp_path).encode(TEXTS)
    assert enc.encoded == TEXTS and vectors.shape == (2, 32)
    assert StoredVectors(CountingEncoder(), tmp_path).encode(TEXTS[:1]).shape == (1, 32)


def test_each_encoder_has_its_own_file(tmp_path: Path) -> None:
    StoredVectors(CountingEncoder(), tmp_path).encode(TEXTS)
    other = HashingEncoder(dim=16)
    other.name = "fake:other"
    assert StoredVectors(other, tmp_path).encode(TEXTS).shape == (2, 16)
    assert len(list(tmp_path.glob("*.npz"))) == 2
