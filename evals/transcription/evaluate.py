"""Evaluate transcription: WER, speaker accuracy by word, real-time factor and hallucinations.

    .venv/bin/python -m evals.transcription.evaluate                      # defaults, 5 dev calls
    .venv/bin/python -m evals.transcription.evaluate --variant vocab:hotwords=@vocabulary \\
        --variant no-words:word_timestamps=false --report

Data:
- synthetic: labelled dev calls (evals/data/dev) rendered with espeak-ng as two voices, once as a
  stereo call recording (worker left, caller right) and once mono (the two summed);
- noise probe: one call with 20 s of silence and 20 s of low noise inserted between turns; any word
  transcribed inside them is a hallucination;
- real: pyannote-audio's sample telephone call (fetched with pip download at run time).

Each variant changes TranscribeOptions fields (`name:field=value,field=value`; values are JSON, and
`hotwords=@vocabulary` means corpus/vocabulary.yaml). Results go to evals/reports/transcription-eval.json
and, with --report, into evals/reports/transcription.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from evals.transcription import real_call
from evals.transcription.render import ESPEAK_RATE, RefTurn, load_reference, render_call, render_turns
from evals.transcription.scoring import Score, best_mapping_score, normalise, score

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "evals" / "data" / "dev"
REPORTS = ROOT / "evals" / "reports"
DEFAULT_CALLS = ("dev-046", "dev-047", "dev-048", "dev-049", "dev-050")
DEFAULT_WORK = Path(os.environ.get("TMPDIR", "/tmp")) / "frontdoor-transcription-eval"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def parse_variant(spec: str, base: Any, corpus_dir: Path) -> tuple[str, Any]:
    from assistant.transcribe.vocabulary import load_vocabulary

    name, _, assignments = spec.partition(":")
    changes: dict[str, Any] = {}
    for item in filter(None, assignments.split(",")):
        key, _, raw = item.partition("=")
        if key not in {f.name for f in dataclasses.fields(base)}:
            raise SystemExit(f"unknown option '{key}' in variant '{spec}'")
        if raw == "@vocabulary":
            changes[key] = load_vocabulary(corpus_dir).hotwords()
        else:
            value = json.loads(raw)
            changes[key] = tuple(value) if isinstance(value, list) else value
    return name, dataclasses.replace(base, **changes)


def hypothesis(transcript: Any) -> list[tuple[str, str]]:
    return [(t.speaker, t.text) for t in transcript.turns]


def flag_counts(transcript: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for turn in transcript.turns:
        for flag in turn.flags:
            counts[flag] = counts.get(flag, 0) + 1
    return counts


def vocabulary_excess(reference: str, hyp: str, terms: list[str]) -> int:
    """Vocabulary terms the transcript has more often than the reference: hint words copied in."""
    ref_text = " " + " ".join(normalise(reference)) + " "
    hyp_text = " " + " ".join(normalise(hyp)) + " "
    excess = 0
    for term in terms:
        key = " " + " ".join(normalise(term)) + " "
        excess += max(0, hyp_text.count(key) - ref_text.count(key))
    return excess


def render_noise_probe(call: dict, work: Path) -> tuple[Path, list[RefTurn], list[tuple[float, float]]]:
    """A mono call with 20 s of silence after turn 2 and 20 s of low noise after turn 5."""
    path = work / f"{call['id']}-noise-probe.wav"
    meta = work / f"{call['id']}-noise-probe.json"
    if path.exists() and meta.exists():
        data = json.loads(meta.read_text())
        return path, [RefTurn(**t) for t in data["turns"]], [tuple(g) for g in data["gaps"]]  # type: ignore[misc]
    turns = call["turns"][:8]
    rng = np.random.default_rng(7)
    pieces: list[np.ndarray] = []
    reference: list[RefTurn] = []
    gaps: list[tuple[float, float]] = []
    t = 0.0
    for index, turn in enumerate(turns):
        stereo, ref = render_turns([turn], seed=index)
        audio = stereo.sum(axis=1)
        reference.append(RefTurn(turn["speaker"], turn["text"], t + ref[0].start, t + ref[0].end))
        pieces.append(audio)
        t += len(audio) / ESPEAK_RATE
        if index in (1, 4):
            filler = np.zeros(20 * ESPEAK_RATE, dtype=np.float32)
            if index == 4:
                filler = (rng.standard_normal(len(filler)) * 0.01).astype(np.float32)
            gaps.append((t, t + 20.0))
            pieces.append(filler)
            t += 20.0
    sf.write(path, np.concatenate(pieces) * 0.7, ESPEAK_RATE, subtype="PCM_16")
    meta.write_text(json.dumps({"turns": [dataclasses.asdict(r) for r in reference], "gaps": gaps}))
    return path, reference, gaps


def words_in(transcript: Any, gaps: list[tuple[float, float]], margin: float = 0.5) -> int:
    count = 0
    for turn in transcript.turns:
        if turn.words:
            for word in turn.words:
                middle = (word.start + word.end) / 2
                count += any(a + margin <= middle <= b - margin for a, b in gaps)
        elif turn.start is not None and turn.end is not None:
            inside = any(a + margin <= (turn.start + turn.end) / 2 <= b - margin for a, b in gaps)
            count += len(normalise(turn.text)) if inside else 0
    return count


def run_variant(
    name: str, options: Any, calls: list[dict], work: Path, loader: Any, settings: Any, terms: list[str]
) -> dict[str, Any]:
    from assistant.transcribe import transcribe_file

    result: dict[str, Any] = {"variant": name, "options": options.to_dict(), "calls": []}
    totals: dict[str, Score] = {}
    for call in calls:
        ref_turns = load_reference(work / f"{call['id']}-ref.json")
        reference = [(r.speaker, r.text) for r in ref_turns]
        ref_text = " ".join(r.text for r in ref_turns)
        for layout in ("stereo", "mono"):
            audio = work / f"{call['id']}-{layout}.wav"
            wall, cpu = time.perf_counter(), cpu_seconds()
            transcript = transcribe_file(audio, loader, settings, options=options)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            sc = score(reference, hypothesis(transcript))
            totals[layout] = totals[layout] + sc if layout in totals else sc
            durations = transcript.produced_by["durations"]
            hyp_text = " ".join(t.text for t in transcript.turns)
            result["calls"].append(
                {
                    "call": call["id"],
                    "layout": layout,
                    "audio_seconds": durations["audio_seconds"],
                    "wall_seconds": round(wall, 2),
                    "cpu_seconds": round(cpu, 2),
                    "transcription_seconds": durations["transcription_seconds"],
                    "diarisation_seconds": durations["diarisation_seconds"],
                    "wer": round(sc.wer, 4),
                    "speaker_accuracy": round(sc.speaker_accuracy, 4),
                    "insertions": sc.insertions,
                    "vocabulary_excess": vocabulary_excess(ref_text, hyp_text, terms),
                    "flags": flag_counts(transcript),
                    "speakers": transcript.produced_by["speakers"],
                    "load": os.getloadavg()[0],
                }
            )
            print(
                f"  {name:12s} {call['id']} {layout:6s} WER {sc.wer:.3f} speakers {sc.speaker_accuracy:.3f} "
                f"wall {wall:5.1f}s cpu {cpu:5.1f}s audio {durations['audio_seconds']:.0f}s",
                flush=True,
            )
    for layout, total in totals.items():
        rows = [c for c in result["calls"] if c["layout"] == layout]
        audio_s = sum(c["audio_seconds"] for c in rows)
        result[layout] = {
            "wer": round(total.wer, 4),
            "speaker_accuracy": round(total.speaker_accuracy, 4),
            "ref_words": total.ref_words,
            "insertions": total.insertions,
            "vocabulary_excess": sum(c["vocabulary_excess"] for c in rows),
            "rtf_wall": round(sum(c["wall_seconds"] for c in rows) / audio_s, 4),
            "rtf_cpu": round(sum(c["cpu_seconds"] for c in rows) / audio_s, 4),
            "audio_seconds": round(audio_s, 1),
        }

    probe_path, probe_ref, gaps = render_noise_probe(calls[0], work)
    probe = transcribe_file(probe_path, loader, settings, options=options)
    probe_score = score([(r.speaker, r.text) for r in probe_ref], hypothesis(probe))
    result["noise_probe"] = {
        "words_in_silence_or_noise": words_in(probe, gaps),
        "wer": round(probe_score.wer, 4),
        "flags": flag_counts(probe),
    }

    real = real_call.load(work)
    wall, cpu = time.perf_counter(), cpu_seconds()
    transcript = transcribe_file(real.audio, loader, settings, options=options)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    reference = [(speaker, text) for speaker, _s, _e, text in real.turns]
    sc = best_mapping_score(reference, hypothesis(transcript))
    result["real"] = {
        "wer": round(sc.wer, 4),
        "speaker_accuracy": round(sc.speaker_accuracy, 4),
        "ref_words": sc.ref_words,
        "substitutions": sc.substitutions,
        "deletions": sc.deletions,
        "insertions": sc.insertions,
        "rtf_wall": round(wall / 30.0, 4),
        "rtf_cpu": round(cpu / 30.0, 4),
        "flags": flag_counts(transcript),
        "speakers": transcript.produced_by["speakers"],
        "text": [f"{t.speaker}: {t.text}" + (f"  [{', '.join(t.flags)}]" if t.flags else "") for t in transcript.turns],
    }
    print(
        f"  {name:12s} real call WER {sc.wer:.3f} speakers {sc.speaker_accuracy:.3f}  "
        f"noise probe: {result['noise_probe']['words_in_silence_or_noise']} words in silence/noise",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    from assistant.offline import go_offline

    go_offline()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", nargs="*", default=list(DEFAULT_CALLS), help="dev call ids to render")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where rendered audio is kept")
    parser.add_argument("--variant", action="append", default=[], help="name:field=value,... (repeatable)")
    parser.add_argument("--no-default", action="store_true", help="skip the default variant")
    parser.add_argument("--json", type=Path, default=REPORTS / "transcription-eval.json")
    parser.add_argument("--report", action="store_true", help="also write evals/reports/transcription.md")
    args = parser.parse_args(argv)

    from assistant.models import ModelLoader
    from assistant.settings import load_settings
    from assistant.transcribe import TranscribeOptions
    from assistant.transcribe.vocabulary import load_vocabulary

    settings = load_settings()
    loader = ModelLoader(settings)
    base = TranscribeOptions.from_settings(settings)
    variants = [] if args.no_default else [("default", base)]
    variants += [parse_variant(spec, base, settings.corpus_dir) for spec in args.variant]
    vocabulary = load_vocabulary(settings.corpus_dir)
    terms = [*vocabulary.terms, *vocabulary.places]
    args.work.mkdir(parents=True, exist_ok=True)
    calls = [json.loads((DEV / f"{cid}.json").read_text(encoding="utf-8")) for cid in args.calls]
    for call in calls:
        rendered = [args.work / f"{call['id']}-{part}" for part in ("ref.json", "stereo.wav", "mono.wav")]
        if not all(p.exists() for p in rendered):
            render_call(call, args.work)

    # Load the models and warm every path once, outside the timings.
    real = real_call.load(args.work)
    _ = loader.whisper, loader.voice_encoder
    from assistant.transcribe import transcribe_file

    transcribe_file(real.audio, loader, settings, options=base)

    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load_at_start": os.getloadavg()[0]},
        "calls": [c["id"] for c in calls],
        "variants": [],
    }
    for name, options in variants:
        print(f"variant {name}", flush=True)
        results["variants"].append(run_variant(name, options, calls, args.work, loader, settings, terms))
    results["machine"]["load_at_end"] = os.getloadavg()[0]
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print()
    print(f"{'variant':14s} {'layout':7s} {'WER':>6s} {'spk acc':>8s} {'RTF wall':>9s} {'RTF cpu':>8s} {'vocab+':>6s}")
    for variant in results["variants"]:
        for layout in ("stereo", "mono"):
            row = variant[layout]
            print(
                f"{variant['variant']:14s} {layout:7s} {row['wer']:6.3f} {row['speaker_accuracy']:8.3f} "
                f"{row['rtf_wall']:9.3f} {row['rtf_cpu']:8.3f} {row['vocabulary_excess']:6d}"
            )
        real_row = variant["real"]
        print(f"{variant['variant']:14s} {'real':7s} {real_row['wer']:6.3f} {real_row['speaker_accuracy']:8.3f}")
    print(f"written {args.json}")
    if args.report:
        from evals.transcription.report import write_report

        print(f"written {write_report()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
