"""Pathway suggestions on the labelled dev calls: exact and within-one-level accuracy, from the gold
findings (the guidance stage alone) or from the findings the extraction stage predicts.

    .venv/bin/python -m evals.guidance.pathway_eval [--findings gold|predicted] [--dir evals/data/dev]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.guidance.service import Guidance
from assistant.models import ModelLoader
from assistant.offline import go_offline
from assistant.records import PATHWAYS, Findings
from assistant.settings import load_settings
from evals.guidance.common import DEV_DIR, LabelledCall, gold_findings, load_calls


def evaluate(guidance: Guidance, calls: list[LabelledCall], findings: dict[str, Findings]) -> dict[str, Any]:
    exact = within = 0
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for call in calls:
        _, pathway = guidance.advise(call.transcript, findings[call.id])
        gold = call.gold["pathway"]
        distance = abs(PATHWAYS.index(gold) - PATHWAYS.index(pathway.suggested))
        exact += distance == 0
        within += distance <= 1
        confusion[(gold, pathway.suggested)] += 1
        if distance:
            misses.append({"call": call.id, "gold": gold, "suggested": pathway.suggested,
                           "reasons": [r.text for r in pathway.reasons]})  # fmt: skip
    n = len(calls)
    return {
        "calls": n,
        "exact": exact / n,
        "within_one": within / n,
        "confusion": {f"{g} -> {p}": c for (g, p), c in sorted(confusion.items())},
        "misses": misses,
    }


def main() -> None:
    go_offline()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", choices=["gold", "predicted"], default="gold")
    parser.add_argument("--dir", type=Path, default=DEV_DIR)
    parser.add_argument("--encoder", default="minilm", help="Encoder of the extraction stage (predicted findings).")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--findings-cache", type=Path, default=None, help="Predicted findings as JSON: read if it exists, else written."
    )
    args = parser.parse_args()
    calls = load_calls(args.dir)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp))
        if args.findings == "gold":
            findings = {c.id: gold_findings(c) for c in calls}
            guidance = Guidance.open(settings, ModelLoader(settings, "fake"))
        else:
            from assistant.pipeline import Pipeline

            pipeline = Pipeline.start(settings, encoder=args.encoder)
            cache = args.findings_cache
            if cache is not None and cache.exists():
                stored = json.loads(cache.read_text(encoding="utf-8"))
                findings = {cid: Findings.model_validate(f) for cid, f in stored.items()}
            else:
                findings = {c.id: pipeline.extractor.extract(c.transcript) for c in calls}
                if cache is not None:
                    cache.write_text(json.dumps({k: f.model_dump(mode="json") for k, f in findings.items()}), "utf-8")
            guidance = pipeline.guidance
        result = evaluate(guidance, calls, findings)
    print(f"pathway from {args.findings} findings on {result['calls']} calls: exact {result['exact']:.3f}, "
          f"within one level {result['within_one']:.3f}")  # fmt: skip
    for miss in result["misses"]:
        print(f"  {miss['call']}: gold {miss['gold']}, suggested {miss['suggested']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
