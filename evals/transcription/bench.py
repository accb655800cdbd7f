"""Benchmark: a 10-minute synthetic call from audio to draft record.

    .venv/bin/python -m evals.transcription.bench [--minutes 10] [--repeat 1] [--report]

The call is labelled dev calls spoken one after another by two espeak-ng voices, as a stereo call
recording and as mono. For each it measures, in one process with the models already loaded:
- the full pipeline (assistant.pipeline.Pipeline.draft_file: transcription, extraction, guidance),
- the transcription stage alone (assistant.transcribe.transcribe_file),
- faster-whisper on its own over the same file with the same decoding options ("whisper alone"),
and reports the real-time factor, pipeline time / whisper-alone time, CPU seconds, and the peak
resident memory of the process (resource.getrusage ru_maxrss). Results go to
evals/reports/transcription-bench.json and, with --report, evals/reports/transcription.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from evals.transcription.render import ESPEAK_RATE, render_turns

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "evals" / "data" / "dev"
REPORTS = ROOT / "evals" / "reports"
DEFAULT_WORK = Path(os.environ.get("TMPDIR", "/tmp")) / "frontdoor-transcription-bench"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def render_long_call(work: Path, minutes: float) -> tuple[Path, Path, float]:
    """Stereo and mono files of dev calls spoken back to back until `minutes` long."""
    stereo_path, mono_path = work / f"call-{minutes:g}min-stereo.wav", work / f"call-{minutes:g}min-mono.wav"
    if stereo_path.exists() and mono_path.exists():
        return stereo_path, mono_path, sf.info(stereo_path).duration
    work.mkdir(parents=True, exist_ok=True)
    parts: list[np.ndarray] = []
    total = 0.0
    for index, path in enumerate(sorted(DEV.glob("*.json"))):
        call = json.loads(path.read_text(encoding="utf-8"))
        for turn in call["turns"]:
            stereo, _ = render_turns([turn], seed=index)
            parts.append(stereo)
            total += len(stereo) / ESPEAK_RATE
            if total >= minutes * 60:
                break
        if total >= minutes * 60:
            break
    both = np.concatenate(parts)
    sf.write(stereo_path, both, ESPEAK_RATE, subtype="PCM_16")
    sf.write(mono_path, both.sum(axis=1) * 0.7, ESPEAK_RATE, subtype="PCM_16")
    return stereo_path, mono_path, total


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def main(argv: list[str] | None = None) -> int:
    from assistant.offline import go_offline

    go_offline()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the fastest is kept")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--layouts", nargs="*", default=["stereo", "mono"])
    parser.add_argument("--json", type=Path, default=REPORTS / "transcription-bench.json")
    parser.add_argument("--report", action="store_true", help="also write evals/reports/transcription.md")
    args = parser.parse_args(argv)

    from assistant.pipeline import Pipeline
    from assistant.settings import load_settings
    from assistant.transcribe import TranscribeOptions, transcribe_file

    stereo_path, mono_path, seconds = render_long_call(args.work, args.minutes)
    files = {"stereo": stereo_path, "mono": mono_path}
    print(f"call: {seconds / 60:.1f} min ({stereo_path.parent})", flush=True)

    with tempfile.TemporaryDirectory(prefix="frontdoor-bench-") as data_dir:
        settings = load_settings(data_dir=Path(data_dir))
        started = time.perf_counter()
        pipeline = Pipeline.start(settings)
        pipeline.warm_up()  # extraction models, guidance index
        loader = pipeline.loader
        whisper = loader.whisper
        _ = loader.voice_encoder
        options = TranscribeOptions.from_settings(settings)
        warm = args.work / "warm-up.wav"
        sf.write(warm, sf.read(mono_path, frames=20 * ESPEAK_RATE)[0], ESPEAK_RATE)
        transcribe_file(warm, loader, settings)  # first-call set-up (VAD session, allocators)
        load_seconds = time.perf_counter() - started
        rss_after_load = peak_rss_mb()
        print(
            f"models and guidance loaded in {load_seconds:.1f} s, peak RSS so far {rss_after_load:.0f} MB", flush=True
        )

        results: dict[str, Any] = {
            "audio_seconds": round(seconds, 1),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_at_start": os.getloadavg()[0]},
            "model": whisper.describe(),
            "options": options.to_dict(),
            "load_seconds": round(load_seconds, 1),
            "pipeline": "assistant.pipeline.Pipeline.draft_file",
            "layouts": {},
        }
        kwargs = options.whisper_kwargs()
        for layout in args.layouts:
            path = files[layout]
            best: dict[str, Any] = {}
            for _ in range(args.repeat):

                def plain(p: Path = path) -> int:
                    segments, _info = whisper.model.transcribe(str(p), **kwargs)
                    return sum(1 for _ in segments)

                _, fw_wall, fw_cpu = timed(plain)
                record, pipe_wall, pipe_cpu = timed(lambda p=path: pipeline.draft_file(p))
                transcript, stage_wall, stage_cpu = timed(lambda p=path: transcribe_file(p, loader, settings))
                durations = record.transcript.produced_by["durations"]
                row = {
                    "whisper_alone_wall": round(fw_wall, 2),
                    "whisper_alone_cpu": round(fw_cpu, 2),
                    "pipeline_wall": round(pipe_wall, 2),
                    "pipeline_cpu": round(pipe_cpu, 2),
                    "transcribe_stage_wall": round(stage_wall, 2),
                    "transcribe_stage_cpu": round(stage_cpu, 2),
                    "whisper_inside_pipeline": durations["transcription_seconds"],
                    "diarisation_inside_pipeline": durations["diarisation_seconds"],
                    "turns": len(record.transcript.turns),
                    "factors": len(record.factors),
                    "load": os.getloadavg()[0],
                }
                row["rtf_pipeline"] = round(pipe_wall / seconds, 4)
                row["rtf_pipeline_cpu"] = round(pipe_cpu / seconds, 4)
                row["pipeline_over_whisper_alone"] = round(pipe_wall / fw_wall, 3)
                row["pipeline_over_whisper_alone_cpu"] = round(pipe_cpu / fw_cpu, 3)
                row["pipeline_over_whisper_inside"] = round(
                    pipe_wall / max(durations["transcription_seconds"], 1e-6), 3
                )
                if not best or row["pipeline_wall"] < best["pipeline_wall"]:
                    best = row
                print(
                    f"{layout:6s} pipeline {pipe_wall:6.1f}s (cpu {pipe_cpu:6.1f}s)  whisper alone {fw_wall:6.1f}s "
                    f"(cpu {fw_cpu:6.1f}s)  ratio {row['pipeline_over_whisper_alone']:.2f} (cpu "
                    f"{row['pipeline_over_whisper_alone_cpu']:.2f})  RTF {row['rtf_pipeline']:.3f} "
                    f"(cpu {row['rtf_pipeline_cpu']:.3f})  load {row['load']:.1f}",
                    flush=True,
                )
            results["layouts"][layout] = best
        results["peak_rss_mb"] = round(peak_rss_mb(), 1)
        results["machine"]["load_at_end"] = os.getloadavg()[0]
    print(f"peak resident memory {results['peak_rss_mb']:.0f} MB")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"written {args.json}")
    if args.report:
        from evals.transcription.report import write_report

        print(f"written {write_report()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
