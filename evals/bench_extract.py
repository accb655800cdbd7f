"""Speed and memory of drafting from transcripts, through the same pipeline the CLI uses.

    .venv/bin/python evals/bench_extract.py [--calls evals/data/dev] [--n 60]

Prints: seconds from process start to the first record (cold: imports, models, corpus, guidance),
warm latency per call (median and p95) with turn counts, batch throughput in calls a minute, and
peak resident memory (ru_maxrss). Targets (issue 2): <= 1 s per 30-turn call warm, >= 60 calls a
minute, first record <= 15 s, peak <= 1.5 GB.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
from pathlib import Path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=Path, default=Path("evals/data/dev"))
    parser.add_argument("--n", type=int, default=60, help="calls in the batch")
    args = parser.parse_args()

    from assistant.offline import go_offline

    go_offline()
    from assistant.labelled import load_labelled_dir
    from assistant.pipeline import Pipeline
    from assistant.settings import load_settings

    pipeline = Pipeline.start(load_settings())
    pipeline.warm_up()  # as `frontdoor draft` and the workspace do
    calls = load_labelled_dir(args.calls)
    pipeline.draft(calls[0].transcript)
    first = time.perf_counter() - START

    latencies = []
    batch = [calls[i % len(calls)] for i in range(args.n)]
    t0 = time.perf_counter()
    for call in batch:
        t = time.perf_counter()
        pipeline.draft(call.transcript)
        latencies.append((time.perf_counter() - t, len(call.transcript.turns)))
    total = time.perf_counter() - t0
    secs = sorted(s for s, _ in latencies)
    per_30 = statistics.median(s * 30 / n for s, n in latencies)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"first record after start: {first:.1f} s")
    print(f"warm latency: median {statistics.median(secs):.3f} s, p95 {secs[int(0.95 * (len(secs) - 1))]:.3f} s "
          f"(calls of {min(n for _, n in latencies)}-{max(n for _, n in latencies)} turns; "
          f"scaled to 30 turns: {per_30:.3f} s)")
    print(f"batch: {len(batch)} calls in {total:.1f} s = {len(batch) / total * 60:.0f} calls a minute")
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
