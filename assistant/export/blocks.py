"""A tiny document model (headings, paragraphs, bullet lists, tables) written out as DOCX or PDF.

Documents are built once as blocks and rendered by both writers, so the DOCX and the PDF say the same thing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from assistant.store.errors import StoreError


class ExportError(StoreError):
    """An export could not be written; the message says why and what to do."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)  # relative column widths; empty means equal


Block = Heading | Para | Bullets | Table


@dataclass(frozen=True)
class Document:
    title: str
    blocks: list[Block]
    footer: str = ""


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_docx(doc: Document, path: Path) -> Path:
    """Write ``doc`` as a Word document at ``path`` (written to a temporary file, then renamed)."""
    from docx import Document as new_docx
    from docx.shared import Pt

    out = new_docx()
    out.core_properties.title = doc.title
    out.add_heading(doc.title, level=0)
    for block in doc.blocks:
        match block:
            case Heading(text=text, level=level):
                out.add_heading(text, level=min(max(level, 1), 4))
            case Para(text=text, bold=bold):
                paragraph = out.add_paragraph()
                lines = text.split("\n")
                for i, line in enumerate(lines):
                    run = paragraph.add_run(line)
                    run.bold = bold
                    if i < len(lines) - 1:
                        run.add_break()
            case Bullets(items=items):
                for item in items:
                    out.add_paragraph(item, style="List Bullet")
            case Table(header=header, rows=rows):
                table = out.add_table(rows=1, cols=len(header))
                table.style = "Table Grid"
                for cell, text in zip(table.rows[0].cells, header, strict=True):
                    cell.text = ""
                    cell.paragraphs[0].add_run(text).bold = True
                for row in rows:
                    cells = table.add_row().cells
                    for cell, text in zip(cells, row, strict=True):
                        cell.text = text
    if doc.footer:
        footer = out.sections[0].footer.paragraphs[0]
        footer.text = doc.footer
        for run in footer.runs:
            run.font.size = Pt(8)
    tmp = _atomic_target(path)
    try:
        out.save(str(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"Could not write {path}: {exc.strerror or exc}; check the folder and free space.") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/Library/Fonts", "C:/Windows/Fonts")


def _pdf_fonts() -> tuple[str, str]:
    """A Unicode TTF font (DejaVu Sans) when installed, else the built-in Helvetica (Windows-1252 only)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "FrontDoorSans" in pdfmetrics.getRegisteredFontNames():
        return "FrontDoorSans", "FrontDoorSans-Bold"
    for folder in _FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("FrontDoorSans", str(regular)))
            pdfmetrics.registerFont(TTFont("FrontDoorSans-Bold", str(bold)))
            return "FrontDoorSans", "FrontDoorSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _check_encodable(doc: Document, font: str) -> None:
    if font != "Helvetica":
        return
    texts = [doc.title, doc.footer]
    for block in doc.blocks:
        match block:
            case Heading(text=t) | Para(text=t):
                texts.append(t)
            case Bullets(items=items):
                texts.extend(items)
            case Table(header=header, rows=rows):
                texts.extend(header)
                texts.extend(cell for row in rows for cell in row)
    bad = sorted({ch for t in texts for ch in t if ch not in "\n" and not _cp1252(ch)})
    if bad:
        raise ExportError(
            f"The PDF cannot show the characters {''.join(bad)!r} with the built-in font; install the DejaVu fonts "
            "(e.g. apt-get install fonts-dejavu-core) or export as DOCX."
        )


def _cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _markup(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def write_pdf(doc: Document, path: Path) -> Path:
    """Write ``doc`` as an A4 PDF at ``path`` (written to a temporary file, then renamed)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    regular, bold = _pdf_fonts()
    _check_encodable(doc, regular)
    base = getSampleStyleSheet()
    body = ParagraphStyle("fd-body", parent=base["BodyText"], fontName=regular, fontSize=10, leading=13)
    strong = ParagraphStyle("fd-strong", parent=body, fontName=bold)
    cell = ParagraphStyle("fd-cell", parent=body, fontSize=9, leading=11)
    cell_head = ParagraphStyle("fd-cell-head", parent=cell, fontName=bold)
    title = ParagraphStyle("fd-title", parent=base["Title"], fontName=bold, fontSize=16, leading=20)
    headings = {
        level: ParagraphStyle(f"fd-h{level}", parent=base[f"Heading{min(level + 1, 4)}"], fontName=bold)
        for level in (1, 2, 3, 4)
    }
    width = A4[0] - 36 * mm
    story: list = [Paragraph(_markup(doc.title), title), Spacer(1, 4 * mm)]
    for block in doc.blocks:
        match block:
            case Heading(text=text, level=level):
                story.append(Paragraph(_markup(text), headings[min(max(level, 1), 4)]))
            case Para(text=text, bold=is_bold):
                story.append(Paragraph(_markup(text), strong if is_bold else body))
            case Bullets(items=items):
                story.append(
                    ListFlowable([ListItem(Paragraph(_markup(i), body)) for i in items], bulletType="bullet", start="•")
                )
            case Table(header=header, rows=rows, widths=widths):
                rel = widths or [1.0] * len(header)
                col_widths = [width * w / sum(rel) for w in rel]
                data = [[Paragraph(_markup(h), cell_head) for h in header]]
                data += [[Paragraph(_markup(c), cell) for c in row] for row in rows]
                table = PdfTable(data, colWidths=col_widths, repeatRows=1)
                table.setStyle(
                    TableStyle(
                        [
                            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ]
                    )
                )
                story += [table, Spacer(1, 3 * mm)]

    def _footer(canvas: object, _doc: object) -> None:
        if doc.footer:
            canvas.saveState()  # type: ignore[attr-defined]
            canvas.setFont(regular, 7)  # type: ignore[attr-defined]
            canvas.drawString(18 * mm, 10 * mm, doc.footer)  # type: ignore[attr-defined]
            canvas.restoreState()  # type: ignore[attr-defined]

    tmp = _atomic_target(path)
    try:
        SimpleDocTemplate(
            str(tmp), pagesize=A4, title=doc.title, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm
        ).build(story, onFirstPage=_footer, onLaterPages=_footer)
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"Could not write {path}: {exc.strerror or exc}; check the folder and free space.") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path
