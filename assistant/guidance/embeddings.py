"""A LangChain ``Embeddings`` over our :class:`~assistant.models.Encoder`, so the vector store never
falls back to chromadb's default embedding function (which downloads a model)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from assistant.models import Encoder


class EncoderEmbeddings(Embeddings):
    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encoder.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encoder.encode([text])[0].tolist()
