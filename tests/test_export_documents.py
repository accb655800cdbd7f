"""Exports of confirmed records: contract JSON, printable record and feedback letter (DOCX read back, PDF text)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from assistant.auth import User
from assistant.export import (
    LetterTemplateError,
    export_all,
    load_letter_template,
    record_json,
    write_letter_pdf,
    write_record_docx,
)
from assistant.settings import PROJECT_ROOT, load_settings
from assistant.store import (
    AcceptFactor,
    AddAction,
    AddFactor,
    ConfirmedRecord,
    NotConfirmedError,
    RecordStore,
    RejectFactor,
    SetPathway,
    SetReferrer,
)
from assistant.store.samples import sample_draft

SAM = User(username="sam", display_name="Sam Patel", role="social_worker")
CONTRACT_FIELDS = {"schema", "call_id", "caller", "factors", "parents_aware", "child_voice", "pathway", "questions"}


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings(data_dir=tmp_path / "state")


@pytest.fixture
def store(settings):
    s = RecordStore.open(settings)
    s._clock = lambda: datetime(2025, 3, 4, 10, 30, tzinfo=UTC)  # noqa: SLF001 - a fixed date for the letter
    yield s
    s.close()


def confirm_sample(store: RecordStore) -> ConfirmedRecord:
    v = store.create_record(sample_draft(), user=SAM)
    for action in (
        AcceptFactor(factor="domestic_abuse"),
        RejectFactor(factor="parental_substance_misuse", reason="only a question"),
        AcceptFactor(factor="protective_carer"),
        AddFactor(factor="neglect", kind="risk", status="possible", quote="coming in late and hungry", turn=8),
        SetPathway(pathway="child_in_need", reason="Ongoing domestic abuse the child has witnessed."),
        AddAction(who="Duty team", what="Start a child and family assessment", by_when=date(2025, 3, 11)),
        SetReferrer(name="Ms Jo Green", organisation="Riverside Primary"),
    ):
        v = store.apply(v.record_id, action, user=SAM, expected_version=v.version)
    return store.confirm(v.record_id, user=SAM, expected_version=v.version, worker_name="Sam Patel")


def test_export_all_writes_every_format_with_the_outcome(store: RecordStore, settings, tmp_path: Path) -> None:
    confirmed = confirm_sample(store)
    files = export_all(store, confirmed.record_id, tmp_path / "out", settings)
    assert set(files) == {"json", "record_docx", "record_pdf", "letter_docx", "letter_pdf"}

    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert set(data) >= CONTRACT_FIELDS and data["schema"] == "triage-record/1"
    assert data["pathway"]["suggested"] == "child_in_need" and data["pathway"]["agreed"] == "child_in_need"
    assert [f["factor"] for f in data["factors"]] == ["domestic_abuse", "protective_carer", "neglect"]
    assert {"factor", "kind", "status", "confidence", "evidence"} <= set(data["factors"][0])
    assert data["rejected_factors"][0]["factor"] == "parental_substance_misuse"
    assert (data["confirmed_by"], data["worker_name"], data["version"]) == ("sam", "Sam Patel", confirmed.version)
    assert data["actions"][0] == {
        "id": "a1",
        "who": "Duty team",
        "what": "Start a child and family assessment",
        "by_when": "2025-03-11",
    }

    for key, read in (("record_docx", docx_text), ("record_pdf", pdf_text)):
        body = " ".join(read(files[key]).split())
        assert "Agreed pathway: Child in need" in body, key
        assert "Sam Patel" in body and "Neglect" in body and "coming in late and hungry" in body, key
        assert "Start a child and family assessment" in body and "11 March 2025" in body, key
        assert "Parental substance misuse" in body and "only a question" in body, key

    for key, read in (("letter_docx", docx_text), ("letter_pdf", pdf_text)):
        body = " ".join(read(files[key]).split())
        assert "Dear Ms Jo Green," in body, key
        assert "Child in need assessment (section 17)" in body, key
        assert "Ongoing domestic abuse the child has witnessed." in body, key
        assert "Start a child and family assessment: Duty team, by 11 March 2025" in body, key
        assert "Date: 4 March 2025" in body and "Sam Patel" in body, key
        assert "Domestic abuse (current concern)" in body, key
        assert "Parental substance misuse" not in body, key  # rejected by the reviewer


def test_drafts_do_not_export(store: RecordStore, settings, tmp_path: Path) -> None:
    view = store.create_record(sample_draft(), user=SAM)
    with pytest.raises(NotConfirmedError, match="not been confirmed yet"):
        export_all(store, view.record_id, tmp_path / "out", settings)
    with pytest.raises(NotConfirmedError, match="Only confirmed records can be exported"):
        record_json(view)  # type: ignore[arg-type]
    with pytest.raises(NotConfirmedError, match="Only confirmed records can be exported"):
        write_record_docx(store.get_draft(view.record_id), tmp_path / "x.docx")  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert not (tmp_path / "x.docx").exists()


def test_letter_wording_comes_from_the_corpus(store: RecordStore, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus" / "letters", corpus / "letters")
    path = corpus / "letters" / "feedback-letter.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'sign_off: "Yours sincerely,"', 'sign_off: "With best wishes from $worker_name,"'
        ),
        encoding="utf-8",
    )
    confirmed = confirm_sample(store)
    out = write_letter_pdf(confirmed, tmp_path / "letter.pdf", load_letter_template(corpus))
    assert "With best wishes from Sam Patel," in pdf_text(out)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('sign_off: "Yours sincerely,"', 'sign_off: "Yours, $team"', r"sign_off uses the unknown placeholder \$team"),
        ("  early_help: >-", "  early_helpx: >-", "outcomes has no entry for early_help"),
        ('title: "Consultation feedback"', 'title: "Cost $5"', "stray"),
        ('title: "Consultation feedback"', 'titel: "x"', "titel"),
    ],
)
def test_letter_template_mistakes_are_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus" / "letters", corpus / "letters")
    path = corpus / "letters" / "feedback-letter.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(LetterTemplateError, match=message):
        load_letter_template(corpus)


def test_missing_letter_template_is_explained(tmp_path: Path) -> None:
    with pytest.raises(LetterTemplateError, match="feedback-letter.yaml: file is missing"):
        load_letter_template(tmp_path)
