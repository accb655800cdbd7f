"""Write evals/reports/transcription.md from the JSON results of evaluate.py and bench.py.

.venv/bin/python -m evals.transcription.report
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).resolve().parents[2] / "evals" / "reports"
EVAL_JSON = REPORTS / "transcription-eval.json"
BENCH_JSON = REPORTS / "transcription-bench.json"
REPORT = REPORTS / "transcription.md"


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def targets(evaluation: dict[str, Any] | None, bench: dict[str, Any] | None) -> list[str]:
    rows = ["| target | measured | met |", "|---|---|---|"]
    default = evaluation["variants"][0] if evaluation else None
    stereo = bench["layouts"].get("stereo") if bench else None
    mono = bench["layouts"].get("mono") if bench else None
    if stereo:
        rows.append(
            f"| RTF ≤ 0.10, 10-min call, audio to draft record (stereo) | {stereo['rtf_pipeline']:.3f} wall "
            f"(CPU {stereo['rtf_pipeline_cpu']:.3f}) | {_met(stereo['rtf_pipeline'] <= 0.10)} |"
        )
    if mono:
        rows.append(
            f"| RTF ≤ 0.10, same call recorded mono | {mono['rtf_pipeline']:.3f} wall "
            f"(CPU {mono['rtf_pipeline_cpu']:.3f}) | {_met(mono['rtf_pipeline'] <= 0.10)} |"
        )
    if stereo:
        rows.append(
            f"| pipeline ≤ 1.15 × faster-whisper alone (stereo) | {stereo['pipeline_over_whisper_alone']:.2f} wall, "
            f"{stereo['pipeline_over_whisper_alone_cpu']:.2f} CPU | {_met(stereo['pipeline_over_whisper_alone'] <= 1.15)} |"
        )
    if mono:
        rows.append(
            f"| pipeline ≤ 1.15 × faster-whisper alone (mono) | {mono['pipeline_over_whisper_alone']:.2f} wall, "
            f"{mono['pipeline_over_whisper_alone_cpu']:.2f} CPU | {_met(mono['pipeline_over_whisper_alone'] <= 1.15)} |"
        )
    if bench:
        rows.append(f"| peak memory ≤ 2 GB | {bench['peak_rss_mb']:.0f} MB | {_met(bench['peak_rss_mb'] <= 2048)} |")
    if default:
        rows.append(
            f"| speaker accuracy ≥ 0.95, stereo synthetic | {default['stereo']['speaker_accuracy']:.3f} | "
            f"{_met(default['stereo']['speaker_accuracy'] >= 0.95)} |"
        )
        rows.append(
            f"| speaker accuracy ≥ 0.85, mono synthetic | {default['mono']['speaker_accuracy']:.3f} | "
            f"{_met(default['mono']['speaker_accuracy'] >= 0.85)} |"
        )
        rows.append(
            f"| WER ≤ 12% on the real phone call | {_pct(default['real']['wer'])} | {_met(default['real']['wer'] <= 0.12)} |"
        )
    return rows


def evaluation_section(evaluation: dict[str, Any]) -> list[str]:
    lines = [
        "## Evaluation (`evals/transcription/evaluate.py`)",
        "",
        f"Synthetic calls: {', '.join(evaluation['calls'])} (espeak-ng, worker en-gb, caller en-us+m3), "
        "each as a stereo call recording and as mono. Real call: pyannote-audio 4.0.7's `sample.wav` "
        f"(30 s telephone call, two speakers, {evaluation['variants'][0]['real']['ref_words']} reference words). "
        "WER on normalised text (lower case, no punctuation, hyphens as spaces); speaker accuracy over "
        "reference words aligned to transcript words (for the real call, the better pairing of its two "
        "speakers with the transcript's two). RTF = seconds of processing / seconds of audio, per file, "
        "models already loaded.",
        "",
        "| variant | stereo WER | stereo speakers | mono WER | mono speakers | real WER | real speakers "
        "| RTF wall (CPU) | words in 40 s silence+noise | vocabulary words added |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for v in evaluation["variants"]:
        s, m, r = v["stereo"], v["mono"], v["real"]
        rtf = (s["rtf_wall"] * s["audio_seconds"] + m["rtf_wall"] * m["audio_seconds"]) / (
            s["audio_seconds"] + m["audio_seconds"]
        )
        rtf_cpu = (s["rtf_cpu"] * s["audio_seconds"] + m["rtf_cpu"] * m["audio_seconds"]) / (
            s["audio_seconds"] + m["audio_seconds"]
        )
        lines.append(
            f"| {v['variant']} | {_pct(s['wer'])} | {s['speaker_accuracy']:.3f} | {_pct(m['wer'])} | "
            f"{m['speaker_accuracy']:.3f} | {_pct(r['wer'])} | {r['speaker_accuracy']:.3f} | {rtf:.3f} ({rtf_cpu:.3f}) | "
            f"{v['noise_probe']['words_in_silence_or_noise']} | {s['vocabulary_excess'] + m['vocabulary_excess']} |"
        )
    lines += ["", "Variants (changes to the default options):", ""]
    for v in evaluation["variants"]:
        lines.append(f"- `{v['variant']}`")
    default = evaluation["variants"][0]
    lines += [
        "",
        f"### Per call (variant `{default['variant']}`)",
        "",
        "| call | layout | audio s | WER | speakers | wall s | CPU s | flags |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in default["calls"]:
        flags = ", ".join(f"{k} {n}" for k, n in sorted(c["flags"].items())) or "-"
        lines.append(
            f"| {c['call']} | {c['layout']} | {c['audio_seconds']:.0f} | {_pct(c['wer'])} | {c['speaker_accuracy']:.3f} | "
            f"{c['wall_seconds']:.1f} | {c['cpu_seconds']:.1f} | {flags} |"
        )
    real = default["real"]
    lines += [
        "",
        f"### The real call (variant `{default['variant']}`)",
        "",
        f"WER {_pct(real['wer'])} ({real['substitutions']} substituted, {real['deletions']} deleted, "
        f"{real['insertions']} inserted of {real['ref_words']} words); speaker accuracy {real['speaker_accuracy']:.3f}; "
        f"voices found: {real['speakers'].get('voices')}, centre similarity {real['speakers'].get('centre_similarity')}.",
        "",
        "```",
        *real["text"],
        "```",
    ]
    return lines


def bench_section(bench: dict[str, Any]) -> list[str]:
    lines = [
        "## Benchmark (`evals/transcription/bench.py`)",
        "",
        f"A {bench['audio_seconds'] / 60:.1f}-minute synthetic call (dev calls spoken back to back), through "
        f"`{bench['pipeline']}` (transcription, extraction, guidance) with every model loaded first "
        f'(loading took {bench["load_seconds"]:.0f} s). "Whisper alone" is faster-whisper\'s own '
        "`WhisperModel.transcribe` over the same file with the same options, in the same process.",
        "",
        "| layout | pipeline s (CPU s) | transcription stage s | whisper inside s | voices s | whisper alone s (CPU s) "
        "| pipeline / whisper alone | RTF | load avg |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for layout, r in bench["layouts"].items():
        lines.append(
            f"| {layout} | {r['pipeline_wall']:.1f} ({r['pipeline_cpu']:.1f}) | {r['transcribe_stage_wall']:.1f} | "
            f"{r['whisper_inside_pipeline']:.1f} | {r['diarisation_inside_pipeline']:.1f} | {r['whisper_alone_wall']:.1f} "
            f"({r['whisper_alone_cpu']:.1f}) | {r['pipeline_over_whisper_alone']:.2f} (CPU {r['pipeline_over_whisper_alone_cpu']:.2f}) "
            f"| {r['rtf_pipeline']:.3f} | {r['load']:.1f} |"
        )
    lines += ["", f"Peak resident memory of the process: {bench['peak_rss_mb']:.0f} MB (ru_maxrss)."]
    return lines


def write_report(path: Path = REPORT) -> Path:
    evaluation, bench = _load(EVAL_JSON), _load(BENCH_JSON)
    machine = (evaluation or bench or {}).get("machine", {})
    loads = [m["machine"].get(k) for m in (evaluation, bench) if m for k in ("load_at_start", "load_at_end")]
    lines = [
        "# Transcription: measured figures",
        "",
        f"Written by `evals/transcription/report.py` on {datetime.now(UTC).date().isoformat()} from "
        "`transcription-eval.json` and `transcription-bench.json`. Machine: "
        f"{machine.get('cpus')} CPU cores, Python {machine.get('python')}, CPU only, tiny.en int8. "
        f"Load average during the runs: {', '.join(f'{x:.1f}' for x in loads if x is not None)} "
        "(a shared machine: wall-clock times include waiting for other work; CPU seconds are given beside them).",
        "",
        "## Targets",
        "",
        *targets(evaluation, bench),
        "",
    ]
    if evaluation:
        lines += [*evaluation_section(evaluation), ""]
    if bench:
        lines += [*bench_section(bench), ""]
    lines += [
        "## Reproduce",
        "",
        "```sh",
        "apt-get install -y espeak-ng        # the synthetic voices",
        ".venv/bin/python -m evals.transcription.evaluate --report   # fetches the pyannote-audio wheel with pip download",
        ".venv/bin/python -m evals.transcription.bench --report",
        "```",
        "",
        "Variants are given as `--variant name:field=value,...` over `TranscribeOptions` fields, e.g. "
        "`--variant vocab:hotwords=@vocabulary` or `--variant greedy:beam_size=1`. Rendered audio is kept "
        "in `$TMPDIR/frontdoor-transcription-eval` and `$TMPDIR/frontdoor-transcription-bench`, never committed.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_report())
