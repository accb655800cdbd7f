"""Cutting guidance documents into passages for the index: by heading first, then by size.

Each chunk's indexed text starts with the page title and its section heading, so a passage whose
body never names its topic ("Ask whether the child is going home tonight") is still found by a
query about that topic.

A page's ``section_questions`` (front matter) become extra entries of kind "question": the question
alone is embedded, and it stands for its section (see :func:`question_chunks`).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.guidance.documents import GuidanceDocument, slugify

CHUNK_SIZE = 400
CHUNK_OVERLAP = 80
HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
PASSAGE = "passage"
QUESTION = "question"


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    title: str
    heading: str
    slug: str
    body: str
    position: int
    kind: str = PASSAGE

    @property
    def text(self) -> str:
        """What is embedded and stored: title and heading, then the passage (a question: itself)."""
        if self.kind == QUESTION:
            return self.body
        if self.heading and self.heading != self.title:
            return f"{self.title}: {self.heading}\n{self.body}"
        return f"{self.title}\n{self.body}"

    @property
    def cite(self) -> str:
        return f"{self.doc_id}#{self.slug}"


def chunking_signature(size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> str:
    """Names the chunking settings; an index built with other settings is rebuilt."""
    return f"md-headers+recursive:{size}:{overlap}:title-heading-prefix:v1+section-questions:v1"


def question_chunks(doc: GuidanceDocument, start: int = 0) -> list[Chunk]:
    """One entry per question in the page's ``section_questions``, numbered after its passages."""
    chunks: list[Chunk] = []
    for slug, questions in doc.section_questions:
        section = doc.section(slug)
        heading = section.heading if section is not None else slug
        for question in questions:
            position = start + len(chunks)
            chunks.append(
                Chunk(
                    id=f"{doc.id}::q{len(chunks):04d}",
                    doc_id=doc.id,
                    title=doc.title,
                    heading=heading,
                    slug=slug,
                    body=question,
                    position=position,
                    kind=QUESTION,
                )
            )
    return chunks


def index_entries(doc: GuidanceDocument) -> list[Chunk]:
    """Everything the index holds for a page: its passages, then its section questions."""
    passages = chunk_document(doc)
    return [*passages, *question_chunks(doc, len(passages))]


def chunk_document(doc: GuidanceDocument, size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    by_heading = MarkdownHeaderTextSplitter(headers_to_split_on=HEADERS, strip_headers=True)
    by_size = RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=["\n\n", "\n- ", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    unused = list(doc.sections)
    chunks: list[Chunk] = []
    for part in by_heading.split_text(doc.markdown):
        heading = next((part.metadata[key] for _, key in reversed(HEADERS) if key in part.metadata), "")
        match = next((s for s in unused if s.heading == heading), None) if heading else None
        if match is not None:
            unused = unused[unused.index(match) + 1 :]
            slug = match.slug
        else:
            slug = slugify(heading) if heading else "introduction"
        content = "\n".join(line.rstrip() for line in part.page_content.splitlines())
        for piece in by_size.split_text(content):
            body = piece.strip()
            if not body:
                continue
            chunks.append(
                Chunk(
                    id=f"{doc.id}::{len(chunks):04d}",
                    doc_id=doc.id,
                    title=doc.title,
                    heading=heading,
                    slug=slug,
                    body=body,
                    position=len(chunks),
                )
            )
    return chunks
