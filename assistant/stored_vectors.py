"""Vectors of fixed corpus texts (key questions and their other wordings) kept on disk, one file an
encoder, so a new process does not encode them again. Only texts from corpus/ go here, never words
from a call."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.models import Encoder

log = logging.getLogger(__name__)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class StoredVectors:
    """An encoder for corpus texts that remembers their vectors in `folder/<encoder name>.npz`."""

    def __init__(self, encoder: Encoder, folder: Path) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder.name) + ".npz")
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            try:
                with np.load(self.path) as stored:
                    keys, matrix = stored["keys"], stored["vectors"]
                if matrix.ndim == 2 and matrix.shape[1] == self.dim and len(keys) == len(matrix):
                    self._vectors = {str(k): v for k, v in zip(keys, matrix, strict=True)}
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                # a damaged store only costs time: the texts are encoded again and the file rewritten
                log.info("%s is unreadable (%s); encoding the corpus texts again", self.path, exc)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing), strict=True):
                self._vectors[_key(text)] = vector
            self._save()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def _save(self) -> None:
        """Written whole to a temporary file, then moved into place: a reader never sees half a file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.tmp")
            with os.fdopen(fd, "wb") as fh:
                keys = list(self._vectors)
                matrix = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)
                np.savez(fh, keys=np.array(keys, dtype=str), vectors=matrix)
            os.replace(tmp, self.path)
        except OSError as exc:
            # a read-only data folder only costs time on the next start; the vectors in memory are right
            log.info("could not keep corpus vectors in %s: %s", self.path, exc)
