"""`frontdoor guidance ...`: index, search, add, remove and list the guidance corpus.

Heavy libraries (chromadb, torch) load only when a command runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.clitools import cli_settings, fail

if TYPE_CHECKING:
    from assistant.guidance.service import Guidance

guidance_app = typer.Typer(help="The guidance corpus and its search index.", no_args_is_help=True)

EncoderOption = Annotated[str, typer.Option("--encoder", help="Sentence encoder: minilm, or fake for quick checks.")]


def _open(encoder: str, progress: bool = True) -> Guidance:
    from tqdm import tqdm

    from assistant.guidance.documents import DocumentError
    from assistant.guidance.index import GuidanceIndexError
    from assistant.guidance.pathway_rules import PathwayRulesError
    from assistant.guidance.questions import QuestionMatchingError
    from assistant.guidance.search import VocabularyError
    from assistant.guidance.service import Guidance
    from assistant.models import ModelError, ModelLoader

    settings = cli_settings()
    bar: tqdm | None = None

    def plan(total: int) -> None:
        nonlocal bar
        if progress and total:
            bar = tqdm(total=total, unit="chunk", desc="indexing guidance", leave=False)

    def step(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        guidance = Guidance.open(settings, ModelLoader(settings, encoder), on_plan=plan, on_progress=step)
    except (
        PathwayRulesError,
        QuestionMatchingError,
        VocabularyError,
        DocumentError,
        GuidanceIndexError,
        ModelError,
    ) as exc:
        fail(str(exc))
    finally:
        if bar is not None:
            bar.close()
    for problem in guidance.problems:
        typer.secho(f"skipped {problem}", err=True, fg=typer.colors.YELLOW)
    for warning in guidance.warnings:
        typer.secho(f"warning: {warning}", err=True, fg=typer.colors.YELLOW)
    if guidance.last_sync is not None and guidance.last_sync.rebuilt:
        typer.secho(f"rebuilt: {guidance.last_sync.rebuilt}", err=True, fg=typer.colors.YELLOW)
    return guidance


@guidance_app.command("index")
def index_command(encoder: EncoderOption = "minilm") -> None:
    """Bring the index up to date with corpus/guidance (only new and changed pages are embedded)."""
    guidance = _open(encoder)
    report = guidance.last_sync
    assert report is not None
    typer.echo(f"{len(guidance.docs)} pages, {guidance.index.count()} chunks; {report.summary()}")
    typer.echo(f"corpus version {guidance.corpus_version}")


@guidance_app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=50, help="How many sections to show.")] = 5,
    encoder: EncoderOption = "minilm",
) -> None:
    """Search the guidance; each result cites its page and section."""
    guidance = _open(encoder)
    hits = guidance.search(query, k)
    if not hits:
        typer.echo("no guidance found (is the corpus empty?)")
    for rank, hit in enumerate(hits, 1):
        body = " ".join(hit.text.split("\n", 1)[-1].split())
        typer.echo(f"{rank}. {hit.cite}  ({hit.title} / {hit.heading}, score {hit.score:.3f})")
        typer.echo(f"   {body[:240]}{'...' if len(body) > 240 else ''}")


@guidance_app.command("add")
def add_command(
    files: Annotated[list[Path], typer.Argument(help="Markdown, text, HTML, PDF or DOCX files to add.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace a page with the same id.")] = False,
    encoder: EncoderOption = "minilm",
) -> None:
    """Copy documents into corpus/guidance and index them. Each file is checked first."""
    from assistant.guidance.documents import DocumentError, read_corpus, read_document
    from assistant.guidance.service import guidance_dir

    folder = guidance_dir(cli_settings())
    existing, _ = read_corpus(folder)
    by_id = {d.id: d for d in existing}
    added = 0
    for path in files:
        try:
            doc = read_document(path)
        except DocumentError as exc:
            typer.secho(f"not added: {exc}", err=True, fg=typer.colors.RED)
            continue
        target = folder / path.name
        clash = by_id.get(doc.id)
        if clash is not None and not replace:
            typer.secho(
                f"not added: {path}: id '{doc.id}' is already used by {clash.path} (use --replace)",
                err=True,
                fg=typer.colors.RED,
            )
            continue
        if clash is not None and clash.path.resolve() != target.resolve():
            clash.path.unlink()
        if target.exists() and (clash is None or clash.path.resolve() != target.resolve()):
            typer.secho(f"not added: {path}: {target} exists with another id", err=True, fg=typer.colors.RED)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        if path.resolve() != target.resolve():
            shutil.copyfile(path, target)
        by_id[doc.id] = doc
        added += 1
        typer.echo(f"added {doc.id} ({doc.title}) as {target}")
    if added:
        guidance = _open(encoder)
        assert guidance.last_sync is not None
        typer.echo(guidance.last_sync.summary())
    if added < len(files):
        raise typer.Exit(1)


@guidance_app.command("remove")
def remove_command(
    doc_id: Annotated[str, typer.Argument(help="The page id (see `frontdoor guidance list`).")],
    encoder: EncoderOption = "minilm",
) -> None:
    """Delete a page from corpus/guidance and from the index."""
    from assistant.guidance.documents import read_corpus
    from assistant.guidance.service import guidance_dir

    docs, _ = read_corpus(guidance_dir(cli_settings()))
    doc = next((d for d in docs if d.id == doc_id), None)
    if doc is None:
        fail(f"no guidance page with id '{doc_id}'")
    doc.path.unlink()
    typer.echo(f"removed {doc_id} ({doc.path})")
    guidance = _open(encoder)
    assert guidance.last_sync is not None
    typer.echo(guidance.last_sync.summary())


@guidance_app.command("list")
def list_command(encoder: EncoderOption = "minilm") -> None:
    """Every page: id, title, sections, and whether it is indexed."""
    from assistant.guidance.documents import read_corpus
    from assistant.guidance.service import guidance_dir

    docs, problems = read_corpus(guidance_dir(cli_settings()))
    for problem in problems:
        typer.secho(f"skipped {problem}", err=True, fg=typer.colors.YELLOW)
    indexed = _indexed_hashes(encoder)
    for doc in docs:
        state = "indexed" if indexed.get(doc.id) == doc.content_hash else "not indexed"
        factors = ",".join(doc.factors) or "-"
        typer.echo(f"{doc.id}\t{doc.title}\t{len(doc.sections)} sections\tfactors={factors}\t{state}")
    typer.echo(f"{len(docs)} pages")


def _indexed_hashes(encoder: str) -> dict[str, str]:
    from assistant.guidance.index import GuidanceIndex
    from assistant.guidance.service import index_dir
    from assistant.models import ModelLoader

    settings = cli_settings()
    folder = index_dir(settings)
    if not folder.exists():
        return {}
    return GuidanceIndex.open(folder, ModelLoader(settings, encoder).encoder).indexed()
