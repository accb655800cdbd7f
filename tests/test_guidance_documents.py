"""Reading guidance documents of every supported format, and refusing bad ones clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.guidance.chunking import chunk_document
from assistant.guidance.documents import (
    DocumentError,
    bullet_items,
    corpus_version,
    read_corpus,
    read_document,
    slugify,
)
from tests.guidance_fixtures import PHYSICAL, REAL_CORPUS


def test_markdown_front_matter_sections_and_key_questions(tmp_path: Path) -> None:
    path = tmp_path / "physical.md"
    path.write_text(PHYSICAL, encoding="utf-8")
    doc = read_document(path)
    assert doc.id == "factor-physical-abuse"
    assert doc.factors == ("physical_abuse",)
    assert doc.reviewed == "2026-11-01"
    assert [s.slug for s in doc.sections] == ["what-it-looks-like", "thresholds-and-pathways", "key-questions"]
    section = doc.section("key-questions")
    assert section is not None
    assert bullet_items(section.text)[1] == "Has the child been seen by a doctor about the injury?"
    assert doc.cite("key-questions") == "factor-physical-abuse#key-questions"


def test_slugify_matches_heading_anchors() -> None:
    assert slugify("What the evidence says") == "what-the-evidence-says"
    assert slugify("Consent from children and young people") == "consent-from-children-and-young-people"
    assert slugify("Who's involved?  (s47)") == "whos-involved-s47"


def test_chunks_carry_title_heading_and_cite_their_section(tmp_path: Path) -> None:
    path = tmp_path / "physical.md"
    path.write_text(PHYSICAL, encoding="utf-8")
    chunks = chunk_document(read_document(path))
    assert {c.slug for c in chunks} == {"what-it-looks-like", "thresholds-and-pathways", "key-questions"}
    first = chunks[0]
    assert first.text.startswith("Physical abuse: What it looks like\n")
    assert first.cite == "factor-physical-abuse#what-it-looks-like"
    long = "## Long\n\n" + "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(10))
    (tmp_path / "long.md").write_text(long, encoding="utf-8")
    pieces = chunk_document(read_document(tmp_path / "long.md"))
    assert len(pieces) > 3 and all(len(p.body) <= 400 for p in pieces)


def test_plain_text_html_pdf_and_docx_are_read(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("Ring the duty line if a child is at risk tonight.", encoding="utf-8")
    (tmp_path / "page.html").write_text(
        "<html><head><title>Private fostering</title><script>x()</script></head><body>"
        "<h2>What it is</h2><p>A child cared for by someone who is not a close relative.</p>"
        "<ul><li>Notify the council</li></ul></body></html>",
        encoding="utf-8",
    )
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "leaflet.pdf"))
    pdf.drawString(72, 720, "Safer sleeping advice for babies")
    pdf.save()
    import docx

    word = docx.Document()
    word.add_heading("Home visits", level=1)
    word.add_paragraph("Visit in pairs when a dog is reported.")
    word.save(str(tmp_path / "visits.docx"))

    docs, problems = read_corpus(tmp_path)
    assert problems == []
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {"note", "page", "leaflet", "visits"}
    assert by_id["page"].title == "Private fostering"
    assert "x()" not in by_id["page"].markdown
    assert by_id["page"].section("what-it-is") is not None
    assert "- Notify the council" in by_id["page"].markdown
    assert "Safer sleeping" in by_id["leaflet"].markdown
    assert by_id["visits"].section("home-visits") is not None


def test_bad_documents_are_reported_and_the_rest_still_read(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(PHYSICAL, encoding="utf-8")
    (tmp_path / "same-id.md").write_text(PHYSICAL.replace("Physical abuse", "Copy"), encoding="utf-8")
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "slides.pptx").write_bytes(b"PK")
    (tmp_path / "bad-yaml.md").write_text("---\nid: [unclosed\n---\n\n## A\n\ntext\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 guidance".encode("latin-1"))
    docs, problems = read_corpus(tmp_path)
    assert [d.id for d in docs] == ["factor-physical-abuse"]
    messages = {p.path.name: p.message for p in problems}
    assert "duplicate id 'factor-physical-abuse'" in messages["same-id.md"]
    assert "empty" in messages["empty.md"]
    assert "PDF" in messages["broken.pdf"]
    assert "unsupported file type" in messages["slides.pptx"]
    assert "YAML" in messages["bad-yaml.md"]
    assert "UTF-8" in messages["latin1.txt"]
    with pytest.raises(DocumentError, match="empty.md"):
        read_document(tmp_path / "empty.md")


def test_corpus_version_changes_only_when_a_page_changes(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(PHYSICAL, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Some advice.", encoding="utf-8")
    first = corpus_version(read_corpus(tmp_path)[0])
    assert first == corpus_version(read_corpus(tmp_path)[0])
    (tmp_path / "b.txt").write_text("Some changed advice.", encoding="utf-8")
    assert corpus_version(read_corpus(tmp_path)[0]) != first


def test_the_shipped_corpus_reads_cleanly() -> None:
    docs, problems = read_corpus(REAL_CORPUS / "guidance")
    assert problems == []
    ids = {d.id for d in docs}
    assert "front-door-every-call" in ids
    factor_pages = [d for d in docs if len(d.factors) == 1]
    assert all(d.section("key-questions") is not None for d in factor_pages)
