"""BM25 over the indexed guidance passages, kept in memory as postings (numpy arrays per term)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class LexicalIndex:
    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = list(ids)
        tokenised = [tokens(t) for t in texts]
        n = max(len(tokenised), 1)
        lengths = np.array([len(t) for t in tokenised], dtype=np.float64)
        avg = float(lengths.mean()) if len(tokenised) else 1.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for row, toks in enumerate(tokenised):
            for term, count in Counter(toks).items():
                rows, counts = postings.setdefault(term, ([], []))
                rows.append(row)
                counts.append(count)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (rows, counts) in postings.items():
            row_arr = np.array(rows, dtype=np.int64)
            tf = np.array(counts, dtype=np.float64)
            idf = np.log(1.0 + (n - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = k1 * (1 - b + b * lengths[row_arr] / max(avg, 1e-9))
            self.postings[term] = (row_arr, idf * tf * (k1 + 1) / (tf + norm))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.ids))
        for term in set(tokens(query)):
            found = self.postings.get(term)
            if found is not None:
                out[found[0]] += found[1]
        return out
