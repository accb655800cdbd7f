"""A LangChain ``Embeddings`` over our :class:`~assistant.models.Encoder`, so the vector store never
falls back to chromadb's default embedding function (which downloads a model)."""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.models import Encoder


class EncoderEmbeddings(Embeddings):
    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Texts are encoded shortest first, so each batch pads to similar lengths (faster on CPU),
        and returned in the order given."""
        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = self.encoder.encode([texts[i] for i in order])
        out = np.empty_like(vectors)
        out[order] = vectors
        return out.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encoder.encode([text])[0].tolist()
