"""Retrieval quality of the guidance index on evals/data/retrieval_queries.json.

A query is a hit at rank r when the r-th section returned is the labelled (doc, section). Prints
recall@1, recall@5 and MRR (over the top 10), and the misses.

    .venv/bin/python -m evals.guidance.retrieval [--encoder minilm|fake] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from assistant.guidance.documents import slugify
from assistant.guidance.search import Vocabulary
from assistant.guidance.service import Guidance
from assistant.models import ModelLoader
from assistant.offline import go_offline
from assistant.settings import load_settings
from evals.guidance.common import QUERIES


def evaluate(guidance: Guidance, queries: list[dict[str, str]], depth: int = 10) -> dict[str, Any]:
    ranks: list[int | None] = []
    misses = []
    for q in queries:
        hits = guidance.search(q["query"], k=depth)
        want = (q["doc"], slugify(q["section"]))
        rank = next((i + 1 for i, h in enumerate(hits) if (h.doc_id, h.slug) == want), None)
        ranks.append(rank)
        if rank is None or rank > 5:
            misses.append(
                {"query": q["query"], "want": f"{want[0]}#{want[1]}", "rank": rank, "got": [h.cite for h in hits[:3]]}
            )
    n = len(queries)
    return {
        "queries": n,
        "recall@1": sum(1 for r in ranks if r == 1) / n,
        "recall@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None) / n,
        "misses": misses,
    }


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--data-dir", type=Path, default=None, help="Index folder parent (default: a temp folder).")
    parser.add_argument("--json", type=Path, default=None, help="Write the figures here as JSON.")
    args = parser.parse_args()
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=args.data_dir or Path(tmp))
        guidance = Guidance.open(settings, ModelLoader(settings, args.encoder))
        configured = guidance.vocabulary
        variants = {
            "configured (vocabulary + BM25 + intents + page)": configured,
            "without the search vocabulary (BM25 + page only)": Vocabulary(
                version="ablation", ranking=configured.ranking.model_copy(update={"intent": 0.0})
            ),
            "dense vectors only": Vocabulary(
                version="ablation",
                ranking=configured.ranking.model_copy(update={"lexical": 0.0, "intent": 0.0, "page": 0.0}),
            ),
        }
        results = {}
        for name, vocabulary in variants.items():
            guidance.vocabulary = vocabulary
            guidance._searcher = None
            results[name] = evaluate(guidance, queries)
    for name, result in results.items():
        print(
            f"retrieval, {name} ({args.encoder}, {result['queries']} queries): recall@1 {result['recall@1']:.3f}  "
            f"recall@5 {result['recall@5']:.3f}  MRR@10 {result['mrr@10']:.3f}"
        )
    print(f"corpus {guidance.corpus_version}; misses of the configured search:")
    for m in next(iter(results.values()))["misses"]:
        print(f"  miss (rank {m['rank']}): {m['query']!r} want {m['want']} got {m['got']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
