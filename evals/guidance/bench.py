"""Benchmark of the guidance index: indexing throughput, warm search latency on a corpus grown to
10,000 chunks with synthetic filler pages, and the recall of chromadb's approximate search against
exact brute-force search on the same stored embeddings.

    .venv/bin/python -m evals.guidance.bench [--chunks 10000] [--threads 2] [--search-threads 1] [--json out.json]

``--threads`` is what torch may use while indexing; searches run with ``--search-threads`` (one
query is too small to share between threads, and a second thread only waits on a busy machine).
Besides wall-clock throughput, the indexing figures give the process's CPU seconds, so a run on a
machine shared with other jobs can be told apart from a slow indexer.

Targets: indexing >= 50 chunks/s on 2 cores; search p95 <= 50 ms warm; recall@10 vs exact near 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.guidance.chunking import chunk_document
from assistant.guidance.documents import GuidanceDocument, split_sections
from assistant.guidance.service import Guidance
from assistant.models import ModelLoader
from assistant.offline import go_offline
from assistant.settings import load_settings
from evals.guidance.common import QUERIES


def filler_pages(sentences: list[str], chunks_wanted: int, seed: int = 7) -> list[GuidanceDocument]:
    """Synthetic pages made of shuffled sentences from the real corpus, about one chunk a section."""
    rng = random.Random(seed)
    docs: list[GuidanceDocument] = []
    made = 0
    n = 0
    while made < chunks_wanted:
        sections = []
        for s in range(10):
            body = " ".join(rng.sample(sentences, k=min(4, len(sentences))))
            sections.append(f"## Filler section {n}-{s}\n\n{body[:360]}\n")
        markdown = "\n".join(sections)
        doc = GuidanceDocument(
            id=f"filler-{n:05d}",
            title=f"Filler page {n}",
            path=Path(f"filler-{n:05d}.md"),
            markdown=markdown,
            content_hash=hashlib.sha256(markdown.encode()).hexdigest(),
            sections=split_sections(markdown),
        )
        made += len(chunk_document(doc))
        docs.append(doc)
        n += 1
    return docs


def throughput(chunks: int, seconds: float, cpu_seconds: float) -> dict[str, float]:
    """Chunks per wall-clock second, and the process's CPU seconds (all threads) for them."""
    return {
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "chunks_per_second": round(chunks / max(seconds, 1e-9), 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "chunks_per_cpu_second": round(chunks / max(cpu_seconds, 1e-9), 1),
    }


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p))


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="Grow the index to this many chunks.")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for indexing (0: every core).")
    parser.add_argument("--search-threads", type=int, default=1, help="CPU threads for searching.")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="Keep the grown index here between runs (a rerun then embeds nothing new); default: a temp folder.",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {
        "encoder": args.encoder,
        "threads": args.threads,
        "search_threads": args.search_threads,
        "cpus": os.cpu_count(),
    }
    result["load_average_at_start"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        # 1. Index the real corpus from scratch (chunking + embedding + storing) in a fresh folder.
        fresh = load_settings(data_dir=Path(tmp), cpu_threads=args.search_threads)
        loader = ModelLoader(fresh, args.encoder)
        encoder = loader.encoder
        encoder.encode(["warm up the encoder"])
        started = time.perf_counter()
        first = Guidance.open(fresh, loader, sync=False)
        cpu = time.process_time()
        sync = first.index.sync(first.docs, threads=args.threads)
        result["real_corpus"] = {
            "pages": len(first.docs),
            "open_and_index_seconds": round(time.perf_counter() - started, 2),
            **throughput(sync.chunks_embedded, sync.seconds, time.process_time() - cpu),
        }
        real_chunks = sum(len(chunk_document(d)) for d in first.docs)  # passages (section questions apart)
        result["real_corpus"]["passages"] = real_chunks
        print(f"indexed the real corpus: {result['real_corpus']}")
        settings = load_settings(data_dir=args.data_dir or Path(tmp) / "grown", cpu_threads=args.search_threads)
        guidance = Guidance.open(settings, loader, sync=False)  # synced below with the filler pages included

        # 2. Grow to the target size with filler pages (timed: the bulk indexing throughput).
        sentences = [s.strip() for d in guidance.docs for s in d.markdown.replace("\n", " ").split(". ") if len(s) > 40]
        fillers = filler_pages(sentences, max(args.chunks - real_chunks, 0))
        guidance.docs = [*guidance.docs, *fillers]
        cpu = time.process_time()
        report = guidance.index.sync(guidance.docs, threads=args.threads)
        guidance._searcher = None
        total = guidance.index.count()
        result["grow"] = {
            **throughput(report.chunks_embedded, report.seconds, time.process_time() - cpu),
            "index_chunks": total,
        }
        print(f"grew the index to {total} chunks: {result['grow']}")
        result["load_average_after_indexing"] = os.getloadavg()[0]

        # 3. Warm search latency (hybrid search as the CLI and UI use it, and the dense vector query alone).
        queries = [q["query"] for q in json.loads(QUERIES.read_text(encoding="utf-8"))]
        queries = (queries * (args.queries // len(queries) + 1))[: args.queries]
        for q in queries[:10]:
            guidance.search(q, 5)  # warm: BM25 matrix, caches
        hybrid, dense, encode = [], [], []
        for q in queries:
            t0 = time.perf_counter()
            guidance.search(q, 5)
            hybrid.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            vector = encoder.encode([q])[0]
            t1 = time.perf_counter()
            guidance.index.search_vector(vector, 5, known_count=total)
            dense.append((time.perf_counter() - t0) * 1000)
            encode.append((t1 - t0) * 1000)
        result["search_ms"] = {
            "queries": len(queries),
            "hybrid_p50": round(statistics.median(hybrid), 1),
            "hybrid_p95": round(percentile(hybrid, 95), 1),
            "dense_p50": round(statistics.median(dense), 1),
            "dense_p95": round(percentile(dense, 95), 1),
            "query_encoding_p50": round(statistics.median(encode), 1),
        }
        print(f"search latency over {total} chunks: {result['search_ms']}")

        # 4. Recall of chromadb's HNSW search against exact search on the same stored vectors.
        ids, matrix = guidance.index.embeddings()
        collection = guidance.index._collection()
        query_vectors = encoder.encode(queries)
        k = 10
        got = collection.query(query_embeddings=query_vectors, n_results=k, include=[])["ids"]
        exact = np.argsort(-(query_vectors @ matrix.T), axis=1)[:, :k]
        overlaps = [len(set(g) & {ids[j] for j in e}) / k for g, e in zip(got, exact, strict=True)]
        result["ann_recall_at_10"] = round(float(np.mean(overlaps)), 4)
        result["ann_recall_at_10_min"] = round(float(np.min(overlaps)), 2)
        print(f"chromadb recall@10 against exact search: {result['ann_recall_at_10']}")
    result["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
