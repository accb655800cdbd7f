"""Retrieval quality of the guidance index on evals/data/retrieval_queries.json.

A query is a hit at rank r when the r-th section returned is the labelled (doc, section). Prints
recall@1, recall@5 and MRR (over the top 10) for the tuning half, the held-out half and all queries
(the halves are fixed by a hash of each query's id: see ``evals.guidance.common.query_split``), for
the configured search and two ablations, and the misses of the tuning half (``--show-held-out``
prints the held-out misses too; look at them only after tuning is finished).

    .venv/bin/python -m evals.guidance.retrieval [--encoder minilm|fake] [--data-dir DIR] [--json FILE]
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
from evals.guidance.common import SPLITS, load_queries, query_split


def evaluate(guidance: Guidance, queries: list[dict[str, str]], depth: int = 10) -> dict[str, Any]:
    """recall@1, recall@5, MRR@10 and the misses (not in the top 5), for each split and for all."""
    ranks: dict[str, int | None] = {}
    misses = []
    for q in queries:
        hits = guidance.search(q["query"], k=depth)
        want = (q["doc"], slugify(q["section"]))
        rank = next((i + 1 for i, h in enumerate(hits) if (h.doc_id, h.slug) == want), None)
        ranks[q["id"]] = rank
        if rank is None or rank > 5:
            misses.append(
                {
                    "id": q["id"],
                    "split": query_split(q["id"]),
                    "query": q["query"],
                    "want": f"{want[0]}#{want[1]}",
                    "rank": rank,
                    "got": [h.cite for h in hits[:3]],
                }
            )
    groups = {split: [r for i, r in ranks.items() if query_split(i) == split] for split in SPLITS}
    groups["all"] = list(ranks.values())
    return {"scores": {name: scores(group) for name, group in groups.items()}, "misses": misses}


def scores(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "queries": len(ranks),
        "recall@1": sum(1 for r in ranks if r == 1) / n,
        "recall@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None) / n,
    }


def ablations(configured: Vocabulary) -> dict[str, Vocabulary]:
    """The configured search and what it is without each part of query handling."""
    ranking = configured.ranking
    plain = {"intent": 0.0, "factor": 0.0}  # section questions stay in the last two (dense vectors and words)
    return {
        "configured": configured,
        "without factor routing": configured.model_copy(update={"ranking": ranking.model_copy(update={"factor": 0.0})}),
        "without section questions": configured.model_copy(
            update={
                "ranking": ranking.model_copy(update={"questions": 0.0, "question_candidates": 0, "question_words": False})
            }
        ),
        "without the vocabulary (BM25 + page)": Vocabulary(
            version="ablation", ranking=ranking.model_copy(update=plain)
        ),
        "dense vectors only": Vocabulary(
            version="ablation",
            ranking=ranking.model_copy(
                update={**plain, "lexical": 0.0, "page": 0.0, "lexical_candidates": 0, "page_candidates": 0}
            ),
        ),
    }


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--data-dir", type=Path, default=None, help="Index folder parent (default: a temp folder).")
    parser.add_argument("--json", type=Path, default=None, help="Write the figures here as JSON.")
    parser.add_argument("--show-held-out", action="store_true", help="Print the held-out misses too.")
    args = parser.parse_args()
    queries = load_queries()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=args.data_dir or Path(tmp))
        guidance = Guidance.open(settings, ModelLoader(settings, args.encoder))
        results = {}
        for name, vocabulary in ablations(guidance.vocabulary).items():
            guidance.vocabulary = vocabulary
            guidance._searcher = None
            results[name] = evaluate(guidance, queries)
    print(f"retrieval ({args.encoder}, corpus {guidance.corpus_version}): recall@1 / recall@5 / MRR@10")
    for name, result in results.items():
        cells = [
            f"{split} ({s['queries']}) {s['recall@1']:.3f} / {s['recall@5']:.3f} / {s['mrr@10']:.3f}"
            for split, s in result["scores"].items()
        ]
        print(f"  {name}: " + "; ".join(cells))
    shown = set(SPLITS) if args.show_held_out else {"tuning"}
    print(f"misses (rank > 5) of the configured search, {' and '.join(sorted(shown))}:")
    for m in results["configured"]["misses"]:
        if m["split"] in shown:
            print(f"  {m['id']} (rank {m['rank']}): {m['query']!r} want {m['want']} got {m['got']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
