"""`frontdoor draft`, `frontdoor train` and `frontdoor eval`."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

import assistant
from assistant.clitools import cli_settings, fail, write_atomic
from assistant.extract.classifier import ClassifierError
from assistant.extract.features import FeatureError
from assistant.extract.hidden_layer import HeadOptions
from assistant.knowledge import KnowledgeError
from assistant.models import ModelError
from assistant.transcript_io import InputError, expand_inputs

# Errors a person can act on: printed as one line, never a traceback.
USER_ERRORS = (InputError, KnowledgeError, ModelError, ClassifierError, FeatureError, OSError)


def _start_pipeline(encoder: str = "minilm"):  # type: ignore[no-untyped-def]
    from assistant.pipeline import Pipeline

    settings = cli_settings()
    pipeline = Pipeline.start(settings, encoder=encoder)
    try:
        pipeline.warm_up()
    except USER_ERRORS as exc:
        fail(str(exc))
    return pipeline


def draft_command(
    inputs: Annotated[list[Path], typer.Argument(help="Calls: labelled or plain JSON, text ('Speaker: text' a line), audio, or folders of them.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the one record here (one input only).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Write each record to DIR/<call id>.json.")] = None,
) -> None:
    """Draft a triage record from each call. Without -o/--out-dir the record is printed."""
    files = expand_inputs(inputs)
    if not files:
        fail("no calls to draft: name files or folders with .json, .txt or audio files")
    if output and len(files) > 1:
        fail("-o names one file; use --out-dir DIR for several calls")
    if output and out_dir:
        fail("use either -o or --out-dir, not both")
    pipeline = _start_pipeline()
    failures = 0
    bar = tqdm(files, desc="drafting", unit="call", disable=len(files) < 2, file=None)
    for path in bar:
        try:
            record = pipeline.draft_file(path)
        except USER_ERRORS as exc:
            failures += 1
            tqdm.write(f"error: {exc}", file=None)
            continue
        text = record.to_json()
        if output:
            write_atomic(output, text + "\n")
        elif out_dir:
            write_atomic(out_dir / f"{record.call_id}.json", text + "\n")
        else:
            typer.echo(text)
    if failures:
        typer.secho(f"{failures} of {len(files)} call(s) could not be drafted", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)


def train_command(
    folders: Annotated[list[Path], typer.Argument(help="Folders of labelled calls (contract section 4).")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Where to save the head (default: data_dir/classifier/factor_head.json).")] = None,
    score_on: Annotated[Path | None, typer.Option("--score-on", help="Folder of labelled calls the head does not learn from: their contract scores are saved in the head's provenance.")] = None,
    hidden_units: Annotated[int, typer.Option(min=0, help="Units of the head's hidden layer; 0 fits plain logistic regressions instead.")] = HeadOptions().hidden_units,
) -> None:
    """Retrain the factor classifier head from the taxonomy's examples and labelled calls."""
    from assistant.evaluation.run import CachingEncoder, check_unseen, score_head, train_on
    from assistant.labelled import load_labelled_dir
    from assistant.pipeline import Pipeline

    settings = cli_settings()
    pipeline = Pipeline.start(settings)
    try:
        calls = [call for folder in folders for call in load_labelled_dir(folder)]
        held_out = load_labelled_dir(score_on) if score_on else []
        check_unseen(held_out, calls)
        encoder = CachingEncoder(pipeline.loader.encoder)
        started = time.perf_counter()
        options = HeadOptions(hidden_units=hidden_units)
        head = train_on(pipeline, calls, encoder, options=options, trained_from=[str(f) for f in folders])
        if score_on:
            typer.echo(f"scoring the new head on {len(held_out)} calls in {score_on} ...")
            head.provenance["scores"] = {"on": str(score_on), **score_head(pipeline, head, held_out, calls)}
    except USER_ERRORS as exc:
        fail(str(exc))
    target = output or settings.data_dir / "classifier" / "factor_head.json"
    write_atomic(target, head.to_json())
    positives = head.provenance["positives"]
    typer.echo(
        f"trained on {head.provenance['examples']} sentences from {len(calls)} calls and the taxonomy "
        f"in {time.perf_counter() - started:.1f}s; data {head.version}; saved {target}"
    )
    if "scores" in head.provenance:
        got = head.provenance["scores"]
        typer.echo(
            f"on {score_on}: micro-F1 {got['micro_f1']:.3f}, macro-F1 {got['macro_f1']:.3f}, "
            f"status {got['status_accuracy']:.3f} (saved in the head's provenance)"
        )
    few = [f for f, n in positives.items() if n < 5]
    if few:
        typer.echo(f"few examples (<5) for: {', '.join(few)}; add example sentences to corpus/taxonomy.yaml")


def eval_command(
    folder: Annotated[Path, typer.Argument(help="Folder of labelled calls (contract section 4).")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for scores.json and scores.md (default evals/reports/<folder name>).")] = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds for the classifier; 0 uses the configured head as it is (for calls it never saw).")] = 5,
    also_train: Annotated[list[Path] | None, typer.Option("--also-train", help="Folders of further labelled calls each fold's classifier learns from (not scored).")] = None,
    seeds: Annotated[int, typer.Option(min=1, help="With cross-validation, also fit each fold's head with seeds 1 .. N-1 and list every seed's scores (the report's scores stay seed 0's): a change smaller than the spread is not shown to help.")] = 1,
) -> None:
    """Score the assistant on labelled calls: contract section 5 scores, per-factor table, errors."""
    from assistant.evaluation.report import headline, write_reports
    from assistant.evaluation.run import evaluate
    from assistant.labelled import load_labelled_dir

    try:
        calls = load_labelled_dir(folder)
        extra = [c for f in also_train or [] for c in load_labelled_dir(f)]
    except InputError as exc:
        fail(str(exc))
    pipeline = _start_pipeline()
    started = time.perf_counter()
    drafts = len(calls) * (seeds if folds >= 2 and pipeline.settings.use_classifier else 1)
    with tqdm(total=drafts, desc="evaluating", unit="call") as bar:
        try:
            run = evaluate(pipeline, calls, folds=folds, progress=bar.update, also_train=extra, seeds=seeds)
        except USER_ERRORS as exc:
            fail(str(exc))
    meta = {
        "dataset": str(folder),
        "method": run.method,
        "seconds": round(time.perf_counter() - started, 1),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "frontdoor": assistant.__version__,
        "provenance": run.records[0].provenance if run.records else {},
        **({"by_seed": run.by_seed} if run.by_seed else {}),
    }
    target = out_dir or Path("evals/reports") / folder.name
    json_path, md_path = write_reports(run.scores, meta, target)
    typer.echo(json.dumps(headline(run.scores), indent=2))
    typer.echo(f"method: {run.method}\nreports: {json_path} {md_path}")
