"""Reading guidance documents into one shape, whatever format a practice lead saved them in.

Markdown pages carry YAML front matter (id, title, factors, pathways, source, version, reviewed,
section_questions) and "## " sections. ``section_questions`` maps a section's anchor to a few short
questions that section answers, in the words a duty social worker would use; search embeds them next
to the section's passages (see :mod:`assistant.guidance.search`). A question naming no section of
the page, or one that is not text, is an error naming the file and the entry. Plain text, HTML, PDF
and DOCX files are accepted too: their id comes from the file name and their headings (where the
format has them) become sections. Every document is turned into
Markdown text, so one chunker handles them all.

A document that cannot be read is reported as a :class:`DocumentProblem` naming the file; the rest
of the corpus is still read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_SUFFIXES: tuple[str, ...] = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class DocumentError(ValueError):
    """A document cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class DocumentProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Section:
    heading: str
    slug: str
    level: int
    text: str


@dataclass(frozen=True)
class GuidanceDocument:
    """One guidance page as Markdown text plus its metadata."""

    id: str
    title: str
    path: Path
    markdown: str
    content_hash: str
    factors: tuple[str, ...] = ()
    pathways: tuple[str, ...] = ()
    source: str = ""
    version: str = ""
    reviewed: str = ""
    sections: tuple[Section, ...] = field(default_factory=tuple)
    # (section anchor, the questions that section answers), in front-matter order
    section_questions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def questions_for(self, slug: str) -> tuple[str, ...]:
        """The questions the section ``slug`` answers (from the front matter)."""
        return next((qs for s, qs in self.section_questions if s == slug), ())

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

    def cite(self, slug: str) -> str:
        return f"{self.id}#{slug}"


def slugify(text: str) -> str:
    """GitHub-style heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text.lower()).strip()
    return re.sub(r"[\s_]+", "-", text).strip("-") or "section"


def split_sections(markdown: str) -> tuple[Section, ...]:
    """The document's sections: each heading with the text up to the next heading. Text before the
    first heading becomes an "introduction" section."""
    sections: list[Section] = []
    lines: list[str] = []
    heading, level = "Introduction", 0
    in_fence = False

    def close() -> None:
        text = "\n".join(lines).strip()
        if text or level > 0:
            sections.append(Section(heading=heading, slug=slugify(heading), level=level, text=text))

    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            close()
            heading, level, lines = match.group(2).strip(), len(match.group(1)), []
        else:
            lines.append(line)
    close()
    return tuple(_unique_slugs(sections))


def _unique_slugs(sections: Iterable[Section]) -> Iterable[Section]:
    seen: dict[str, int] = {}
    for s in sections:
        n = seen.get(s.slug, 0)
        seen[s.slug] = n + 1
        yield s if n == 0 else Section(s.heading, f"{s.slug}-{n}", s.level, s.text)


def bullet_items(text: str) -> list[str]:
    """The items of a Markdown bullet list (continuation lines joined)."""
    items: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        bullet = re.match(r"^[-*+][ \t]+(.*)$", stripped)
        if bullet:
            items.append(bullet.group(1).strip())
        elif stripped and items and line[:1].isspace():
            items[-1] = f"{items[-1]} {stripped}"
    return [i for i in items if i]


def _as_tuple(value: Any, name: str, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DocumentError(f"{path}: front matter '{name}' must be a list of identifiers, got {value!r}")


def _parse_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"{path}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise DocumentError(f"{path}: front matter must be a mapping of fields, got {type(meta).__name__}")
    return meta, text[match.end() :]


def _section_questions(
    value: Any, sections: tuple[Section, ...], path: Path
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The front matter's ``section_questions``: section anchor -> list of questions, each checked."""
    if value is None:
        return ()
    name = "section_questions"
    if not isinstance(value, dict):
        raise DocumentError(f"{path}: front matter '{name}' must map section anchors to lists of questions")
    anchors = [s.slug for s in sections]
    out: list[tuple[str, tuple[str, ...]]] = []
    for anchor, questions in value.items():
        if str(anchor) not in anchors:
            raise DocumentError(
                f"{path}: front matter '{name}.{anchor}': no section with that anchor "
                f"(the page's sections: {', '.join(anchors)})"
            )
        if isinstance(questions, str):
            questions = [questions]
        if not isinstance(questions, list) or not questions:
            raise DocumentError(f"{path}: front matter '{name}.{anchor}' must be a list of questions")
        cleaned: list[str] = []
        for i, q in enumerate(questions):
            text = " ".join(str(q).split()) if isinstance(q, str | int | float) else ""
            if not text:
                raise DocumentError(f"{path}: front matter '{name}.{anchor}.{i}' must be a question (text), got {q!r}")
            if text not in cleaned:
                cleaned.append(text)
        out.append((str(anchor), tuple(cleaned)))
    return tuple(out)


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _html_to_markdown(raw: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = soup.body or soup
    lines: list[str] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "p", "li", "pre", "td"]):
        if el.find_parent(["li", "p", "pre", "td"]) is not None:
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name and el.name[0] == "h":
            lines.append(f"\n{'#' * int(el.name[1])} {text}\n")
        elif el.name == "li":
            lines.append(f"- {text}")
        else:
            lines.append(f"\n{text}\n")
    return title, "\n".join(lines).strip()


def _pdf_to_markdown(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{path}: the PDF is encrypted; save an unprotected copy")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        metadata: dict[str, Any] = dict(reader.metadata or {})
        title = str(metadata.get("/Title") or "")
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, DocumentError):
            raise
        raise DocumentError(f"{path}: not a readable PDF ({exc})") from exc
    return title, "\n\n".join(p for p in pages if p)


def _docx_to_markdown(path: Path) -> tuple[str, str]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"{path}: not a readable Word document ({exc})") from exc
    lines: list[str] = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append(f"\n# {text}\n")
        elif level:
            lines.append(f"\n{'#' * min(int(level.group(1)) + 1, 6)} {text}\n")
        elif "List" in style:
            lines.append(f"- {text}")
        else:
            lines.append(f"\n{text}\n")
    return document.core_properties.title or "", "\n".join(lines).strip()


def read_document(path: Path) -> GuidanceDocument:
    """Read one guidance file. Raises :class:`DocumentError` naming the file when it is unsupported,
    unreadable or empty."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{path}: unsupported file type '{suffix}'; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not raw.strip():
        raise DocumentError(f"{path}: the file is empty")

    meta: dict[str, Any] = {}
    title = ""
    if suffix in (".md", ".markdown", ".txt"):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{path}: not UTF-8 text ({exc})") from exc
        meta, body = _parse_front_matter(text, path)
    elif suffix in (".html", ".htm"):
        title, body = _html_to_markdown(raw)
    elif suffix == ".pdf":
        title, body = _pdf_to_markdown(path)
    else:
        title, body = _docx_to_markdown(path)

    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise DocumentError(f"{path}: no text could be read from it")

    doc_id = _text_of(meta.get("id")) or slugify(path.stem)
    if not _ID.match(doc_id):
        raise DocumentError(f"{path}: id '{doc_id}' must be lower case letters, digits, '-' or '_'")
    sections = split_sections(body)
    first_h1 = next((s.heading for s in sections if s.level == 1), "")
    title = _text_of(meta.get("title")) or title or first_h1 or path.stem.replace("-", " ").replace("_", " ")
    return GuidanceDocument(
        id=doc_id,
        title=title,
        path=path,
        markdown=body,
        content_hash=hashlib.sha256(raw).hexdigest(),
        factors=_as_tuple(meta.get("factors"), "factors", path),
        pathways=_as_tuple(meta.get("pathways"), "pathways", path),
        source=_text_of(meta.get("source")),
        version=_text_of(meta.get("version")),
        reviewed=_text_of(meta.get("reviewed")),
        sections=sections,
        section_questions=_section_questions(meta.get("section_questions"), sections, path),
    )


def guidance_files(folder: Path) -> list[Path]:
    """Every file in the guidance folder (recursively), hidden files skipped, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def read_corpus(folder: Path) -> tuple[list[GuidanceDocument], list[DocumentProblem]]:
    """Read every document under ``folder``. Unreadable, empty, unsupported and duplicate-id files
    are returned as problems; the first file (in path order) keeps a duplicated id."""
    docs: list[GuidanceDocument] = []
    problems: list[DocumentProblem] = []
    by_id: dict[str, Path] = {}
    for path in guidance_files(folder):
        try:
            doc = read_document(path)
        except DocumentError as exc:
            problems.append(DocumentProblem(path, str(exc).removeprefix(f"{path}: ")))
            continue
        if doc.id in by_id:
            problems.append(
                DocumentProblem(path, f"duplicate id '{doc.id}' (already used by {by_id[doc.id]}); skipped")
            )
            continue
        by_id[doc.id] = path
        docs.append(doc)
    return docs, problems


def corpus_version(docs: Iterable[GuidanceDocument]) -> str:
    """A short, stable hash over the page ids and content hashes: changes when any page changes."""
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.id):
        digest.update(f"{doc.id}\0{doc.content_hash}\n".encode())
    return f"corpus-{digest.hexdigest()[:16]}"
