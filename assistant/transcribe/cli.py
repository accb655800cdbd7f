"""`frontdoor transcribe AUDIO... [-o FILE | --out-dir DIR]`: recordings to Transcript JSON.

Models load once for the whole batch. A recording that cannot be used gets one line saying why and
the others are still transcribed; the exit status is 1 when any failed. Each output file is written to
a temporary file and renamed, so there is never a partial transcript on disk.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

AUDIO_HELP = "Recordings (WAV, FLAC, MP3, M4A, OGG; mono or stereo, any sample rate) or folders of them."


def audio_files(inputs: list[Path]) -> list[Path]:
    """The recordings named, with folders expanded to the audio files directly inside them."""
    from assistant.transcript_io import AUDIO_SUFFIXES

    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        else:
            files.append(item)  # a missing or unreadable file is reported in its turn
    return files


def transcribe_command(
    audio: Annotated[list[Path], typer.Argument(help=AUDIO_HELP, show_default=False, metavar="AUDIO")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the transcript here (one recording only).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Write each transcript to DIR/<recording name>.json.")
    ] = None,
) -> None:
    """Transcribe call recordings locally into worker and caller turns (JSON). Without -o or --out-dir
    the transcript of a single recording is printed."""
    from tqdm import tqdm

    from assistant.clitools import cli_settings, fail, write_atomic
    from assistant.models import ModelError, ModelLoader
    from assistant.transcribe import AudioError, TranscribeOptions, transcribe_file
    from assistant.transcribe.roles import RolesFileError, load_role_hints
    from assistant.transcribe.vocabulary import VocabularyFileError

    if output and out_dir:
        fail("use either -o or --out-dir, not both")
    files = audio_files(audio)
    if not files:
        fail("no recordings to transcribe: name audio files or folders holding them")
    if output and len(files) > 1:
        fail("-o names one file; use --out-dir DIR for several recordings")
    if not output and not out_dir and len(files) > 1:
        fail("several recordings: use --out-dir DIR to write one transcript each")
    if out_dir:
        targets: dict[Path, Path] = {}
        for path in files:
            target = out_dir / f"{path.stem}.json"
            if target in targets:
                fail(f"{targets[target]} and {path} would both be written to {target}; rename one")
            targets[target] = path

    settings = cli_settings()
    loader = ModelLoader(settings)
    try:
        TranscribeOptions.from_settings(settings)
        load_role_hints(settings.corpus_dir)
        _ = loader.whisper
    except (ModelError, VocabularyFileError, RolesFileError) as exc:
        fail(str(exc))

    failures = 0
    with tqdm(
        total=len(files),
        unit="recording",
        desc="transcribing",
        bar_format="{l_bar}{bar}| {n:.1f}/{total} [{elapsed}<{remaining}]",
    ) as bar:
        for index, path in enumerate(files):
            bar.set_postfix_str(path.name)

            def show(fraction: float, done: int = index) -> None:
                bar.n = done + fraction
                bar.refresh()

            try:
                transcript = transcribe_file(path, loader, settings, progress=show)
                text = transcript.model_dump_json(indent=2) + "\n"
                if output:
                    write_atomic(output, text)
                elif out_dir:
                    write_atomic(out_dir / f"{path.stem}.json", text)
                else:
                    bar.clear()
                    typer.echo(text, nl=False)
            except (AudioError, ModelError, OSError) as exc:
                failures += 1
                tqdm.write(f"error: {exc}", file=sys.stderr)
            bar.n = index + 1
            bar.refresh()
    if failures:
        typer.secho(f"{failures} of {len(files)} recording(s) could not be transcribed", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
