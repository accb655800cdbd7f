"""The persistent vector index of guidance passages: chromadb through langchain-chroma.

- Always built with our own embeddings (never chromadb's default, which downloads a model).
- One chromadb client, with its ``Settings`` (telemetry off), per index folder per process.
- Incremental: a document whose content hash (and chunk count) is unchanged is not embedded again;
  documents no longer in the corpus leave the index.
- A page's section questions (its front matter) are stored beside its passages, with ``kind:
  question``; they are part of the page's file, so changing them re-embeds that page only.
- A collection per encoder; a collection built with other chunking settings is emptied and rebuilt.
- An index folder that chromadb cannot open or query is moved aside and rebuilt from the corpus.
- Indexing is throughput-bound on the encoder: chunks are embedded shortest first across the whole
  sync (batches pad to similar lengths), stored in large batches, and torch may use every core the
  process has while indexing (searching goes back to the configured thread count afterwards).
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.guidance.chunking import QUESTION, Chunk, chunking_signature, index_entries
from assistant.guidance.documents import GuidanceDocument
from assistant.guidance.embeddings import EncoderEmbeddings
from assistant.models import Encoder, available_cores, torch_threads

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from langchain_chroma import Chroma

log = logging.getLogger(__name__)

EMBED_BATCH = 512  # chunks embedded and stored together (the encoder batches them further)
HNSW_CONFIG: dict[str, Any] = {"space": "cosine", "ef_construction": 200, "ef_search": 128, "max_neighbors": 32}

_clients: dict[Path, ClientAPI] = {}
_clients_lock = threading.Lock()


class GuidanceIndexError(RuntimeError):
    """The index cannot be used even after a rebuild; the message names the folder."""


@dataclass(frozen=True)
class Hit:
    """One passage found by a search."""

    doc_id: str
    title: str
    heading: str
    slug: str
    text: str
    score: float
    chunk_id: str

    @property
    def cite(self) -> str:
        return f"{self.doc_id}#{self.slug}"


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0
    rebuilt: str | None = None

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f}s",
        ]
        return ", ".join(parts)


def _chroma_client(folder: Path) -> ClientAPI:
    """The process's client for ``folder``, made once with telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    key = folder.resolve()
    with _clients_lock:
        if key not in _clients:
            key.mkdir(parents=True, exist_ok=True)
            settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            _clients[key] = chromadb.PersistentClient(path=str(key), settings=settings)
        return _clients[key]


def _drop_client(folder: Path) -> None:
    """Close and forget the process's client for ``folder``, including chromadb's cached system for
    that path (a failed open leaves a broken one behind that would be handed out again)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    key = folder.resolve()
    with _clients_lock:
        client = _clients.pop(key, None)
    if client is not None:
        client.close()  # type: ignore[attr-defined]  # on the concrete client, not the protocol
    system = SharedSystemClient._identifier_to_system.pop(str(key), None)
    SharedSystemClient._identifier_to_refcount.pop(str(key), None)
    if system is not None:
        try:
            system.stop()
        except Exception as exc:  # a half-started system may fail to stop; it is dropped either way
            log.warning("stopping the chromadb system for %s failed: %s", key, exc)


def collection_name(encoder: Encoder) -> str:
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", encoder.name).strip("-._")[:48] or "encoder"
    return f"guidance-{name}-{encoder.dim}"


class GuidanceIndex:
    """Passages of the guidance corpus in a persistent chromadb collection."""

    def __init__(self, folder: Path, encoder: Encoder, store: Chroma, rebuilt: str | None = None) -> None:
        self.folder = folder
        self.encoder = encoder
        self.store = store
        self.rebuilt = rebuilt
        self._lock = threading.Lock()

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, encoder: Encoder) -> GuidanceIndex:
        """Open (or create) the index in ``folder``; a broken one is moved aside and started afresh."""
        from chromadb.errors import ChromaError

        try:
            return cls(folder, encoder, cls._open_store(folder, encoder))
        except (ChromaError, OSError, ValueError) as exc:
            reason = f"the guidance index at {folder} could not be opened ({type(exc).__name__}: {exc})"
        return cls.rebuild(folder, encoder, reason)

    @classmethod
    def rebuild(cls, folder: Path, encoder: Encoder, reason: str) -> GuidanceIndex:
        """Move a broken index folder aside and start an empty one (``sync`` then fills it)."""
        from chromadb.errors import ChromaError

        log.warning("%s; rebuilding it from the corpus", reason)
        _drop_client(folder)
        cls._move_aside(folder)
        try:
            return cls(folder, encoder, cls._open_store(folder, encoder), rebuilt=reason)
        except (ChromaError, OSError, ValueError) as exc:
            raise GuidanceIndexError(f"cannot create a guidance index at {folder}: {exc}") from exc

    @staticmethod
    def _move_aside(folder: Path) -> None:
        if not folder.exists() and not folder.is_symlink():
            return
        broken = folder.with_name(f"{folder.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        if broken.exists():
            shutil.rmtree(broken)
        folder.rename(broken)
        log.warning("moved the broken index to %s (delete it when no longer needed)", broken)

    @staticmethod
    def _open_store(folder: Path, encoder: Encoder) -> Chroma:
        from langchain_chroma import Chroma

        if folder.exists() and not folder.is_dir():
            raise OSError(f"{folder} is a file, not an index folder")
        try:
            client = _chroma_client(folder)
        except BaseException:
            _drop_client(folder)
            raise
        name = collection_name(encoder)
        metadata = {"chunking": chunking_signature(), "encoder": encoder.name, "dim": encoder.dim}
        existing = {c.name: c for c in client.list_collections()}
        if name in existing and (existing[name].metadata or {}).get("chunking") != metadata["chunking"]:
            log.info("chunking settings changed; emptying collection %s", name)
            client.delete_collection(name)
        store = Chroma(
            collection_name=name,
            embedding_function=EncoderEmbeddings(encoder),
            client=client,
            collection_metadata=metadata,
            collection_configuration={"hnsw": HNSW_CONFIG},  # type: ignore[arg-type]
        )
        # Probe: a corrupt vector segment only shows itself when queried.
        collection = client.get_collection(name)
        if collection.count():
            collection.query(query_embeddings=encoder.encode(["probe"]), n_results=1, include=[])
        return store

    def _collection(self) -> Any:
        return _chroma_client(self.folder).get_collection(collection_name(self.encoder))

    # -- contents ------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._collection().count())

    def indexed(self) -> dict[str, str]:
        """doc id -> content hash of every completely indexed document."""
        return {doc: state[0] for doc, state in self._states().items()}

    def _states(self) -> dict[str, tuple[str, str]]:
        """doc id -> (content hash or "incomplete", the factors stored with its chunks)."""
        got = self.store.get(include=["metadatas"])
        states: dict[str, tuple[str, str]] = {}
        seen: dict[str, int] = {}
        expected: dict[str, int] = {}
        for meta in got["metadatas"]:
            doc_id = str(meta["doc_id"])
            states[doc_id] = (str(meta["doc_hash"]), str(meta.get("factors", "")))
            seen[doc_id] = seen.get(doc_id, 0) + 1
            expected[doc_id] = int(meta["n_chunks"])
        return {d: s if seen[d] == expected[d] else ("incomplete", s[1]) for d, s in states.items()}

    def _delete_docs(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        ids = self.store.get(where={"doc_id": {"$in": list(doc_ids)}}, include=[])["ids"]  # type: ignore[dict-item]
        for start in range(0, len(ids), 5000):
            self.store.delete(ids=ids[start : start + 5000])

    def add_chunks(
        self,
        chunks: Sequence[Chunk],
        doc_hashes: dict[str, str],
        on_progress: Callable[[int], None],
        doc_factors: dict[str, str] | None = None,
    ) -> None:
        """Embed and store ``chunks``; each carries its page's hash, chunk count and factors (comma-separated)."""
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
        chunks = sorted(chunks, key=lambda c: len(c.text))  # similar lengths together: less padding
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            self.store.add_texts(
                texts=[c.text for c in batch],
                ids=[c.id for c in batch],
                metadatas=[
                    {
                        "doc_id": c.doc_id,
                        "title": c.title,
                        "heading": c.heading,
                        "slug": c.slug,
                        "position": c.position,
                        "doc_hash": doc_hashes[c.doc_id],
                        "n_chunks": counts[c.doc_id],
                        "factors": (doc_factors or {}).get(c.doc_id, ""),
                        "kind": c.kind,
                    }
                    for c in batch
                ],
            )
            on_progress(len(batch))

    def sync(
        self,
        docs: Iterable[GuidanceDocument],
        on_plan: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
        threads: int | None = None,
    ) -> SyncReport:
        """Bring the index in line with ``docs``: embed new and changed documents, drop removed ones.
        ``on_plan`` hears how many chunks will be embedded; ``on_progress`` hears each batch.
        ``threads``: torch threads while embedding (default: every core available to the process)."""
        started = time.perf_counter()
        docs = list(docs)
        report = SyncReport(rebuilt=self.rebuilt)
        with self._lock:
            have = self._states()
            wanted = {d.id: d for d in docs}
            factors = {d.id: ",".join(d.factors) for d in docs}
            report.removed = sorted(set(have) - set(wanted))
            # a page indexed before its factors were stored with it is indexed again
            changed = [d for d in docs if have.get(d.id) != (d.content_hash, factors[d.id])]
            report.added = [d.id for d in changed if d.id not in have]
            report.updated = [d.id for d in changed if d.id in have]
            changed_ids = {d.id for d in changed}
            report.unchanged = [d.id for d in docs if d.id not in changed_ids]
            chunks = [c for d in changed for c in index_entries(d)]
            if on_plan:
                on_plan(len(chunks))
            self._delete_docs(report.removed + report.updated)
            with torch_threads(available_cores() if threads is None else threads):
                self.add_chunks(
                    chunks, {d.id: d.content_hash for d in changed}, on_progress or (lambda n: None), factors
                )
            report.chunks_embedded = len(chunks)
        report.seconds = time.perf_counter() - started
        self.rebuilt = None
        return report

    def remove(self, doc_ids: Sequence[str]) -> None:
        with self._lock:
            self._delete_docs(doc_ids)

    # -- searching -----------------------------------------------------------------------------
    def search_vector(
        self, vector: np.ndarray, k: int = 5, distinct_sections: bool = True, known_count: int | None = None
    ) -> list[Hit]:
        """The nearest passages (section questions skipped); ``known_count`` (the caller's count of
        indexed entries) saves a lookup."""
        total = self.count() if known_count is None else known_count
        if total == 0 or k <= 0:
            return []
        n = min(total, k * 8)
        found = self.store.similarity_search_by_vector_with_relevance_scores(vector.tolist(), k=n)
        hits: list[Hit] = []
        cites: set[str] = set()
        for document, distance in found:
            meta = document.metadata
            if meta.get("kind") == QUESTION:
                continue
            hit = Hit(
                doc_id=str(meta["doc_id"]),
                title=str(meta["title"]),
                heading=str(meta["heading"]),
                slug=str(meta["slug"]),
                text=document.page_content,
                score=1.0 - float(distance),
                chunk_id=str(document.id),
            )
            if distinct_sections and hit.cite in cites:
                continue
            cites.add(hit.cite)
            hits.append(hit)
            if len(hits) == k:
                break
        return hits

    def nearest(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``n`` nearest chunks (ids only: no documents or metadata
        are read, which is most of a query's time in chromadb)."""
        got = self.store._collection.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
        distances = got["distances"][0] if got["distances"] else []
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], distances, strict=True)]

    def search(self, query: str, k: int = 5, distinct_sections: bool = True) -> list[Hit]:
        return self.search_vector(self.encoder.encode([query])[0], k, distinct_sections)

    def embeddings(self) -> tuple[list[str], np.ndarray]:
        """Every chunk id and its stored vector (for exact search in the benchmark)."""
        got = self._collection().get(include=["embeddings"])
        return list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32)
