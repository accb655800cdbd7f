"""`frontdoor draft` end to end with the real models (spaCy, MiniLM for guidance), rules only.

The pipeline loads once per invocation, so the module runs the command twice in all (the demo call,
then a batch with broken files) and the tests read the results; both share one data folder so the
guidance index is built once."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from assistant.cli import app
from assistant.knowledge import SPEC_FACTORS, Knowledge
from assistant.records import DraftRecord
from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.models

DEMO = PROJECT_ROOT / "evals" / "data" / "demo" / "demo-call.json"


@dataclass
class Run:
    result: Result
    out_dir: Path
    inputs: dict[str, Path]


def invoke(args: list[str], data_dir: Path, **env: str) -> Result:
    runner = CliRunner(env={"FRONTDOOR_DATA_DIR": str(data_dir), "FRONTDOOR_USE_CLASSIFIER": "false", **env})
    return runner.invoke(app, ["draft", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Run:
    out_dir = tmp_path_factory.mktemp("demo") / "records"
    result = invoke([str(DEMO), "--out-dir", str(out_dir)], data_dir)
    return Run(result, out_dir, {"demo": DEMO})


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, demo_run: Run) -> Run:
    folder = tmp_path_factory.mktemp("batch")
    inputs = {name: folder / name for name in ["bad.json", "empty.txt", "good.json", "notutf8.txt", "huge.txt"]}
    good = json.loads(DEMO.read_text(encoding="utf-8"))
    good["id"] = "good"
    inputs["good.json"].write_text(json.dumps(good), encoding="utf-8")
    inputs["bad.json"].write_text('{"turns": [{"speaker": "worker", "text": "hi"}\n', encoding="utf-8")
    inputs["empty.txt"].write_bytes(b"")
    inputs["notutf8.txt"].write_bytes("Caller: Mum's caf\u00e9 shut down.\n".encode("latin-1"))
    inputs["huge.txt"].write_text("Caller: He hit her on Saturday.\n" * 500, encoding="utf-8")  # about 16 kB
    assert inputs["good.json"].stat().st_size < 0.01 * 1024 * 1024 < inputs["huge.txt"].stat().st_size
    out_dir = folder / "records"
    result = invoke(
        [str(p) for p in inputs.values()] + ["--out-dir", str(out_dir)],
        data_dir,
        FRONTDOOR_MAX_TRANSCRIPT_MB="0.01",
    )
    return Run(result, out_dir, inputs)


def test_demo_call_is_drafted_to_the_out_dir(demo_run: Run) -> None:
    assert demo_run.result.exit_code == 0, demo_run.result.output
    assert sorted(os.listdir(demo_run.out_dir)) == ["demo-call.json"]
    raw = json.loads((demo_run.out_dir / "demo-call.json").read_text(encoding="utf-8"))
    assert raw["schema"] == "triage-record/1"
    assert '"schema": "triage-record/1"' not in demo_run.result.stdout  # written, not printed
    record = DraftRecord.model_validate(raw)
    assert record.call_id == "demo-call"
    assert record.caller.role == "school"
    assert record.pathway.suggested and record.pathway.sources
    assert record.questions and all(q.source for q in record.questions)


def test_demo_record_evidence_is_verbatim_from_the_input(demo_run: Run) -> None:
    record = DraftRecord.model_validate_json((demo_run.out_dir / "demo-call.json").read_text(encoding="utf-8"))
    turns = [t["text"] for t in json.loads(DEMO.read_text(encoding="utf-8"))["turns"]]
    assert record.factors
    for factor in record.factors:
        assert factor.kind == SPEC_FACTORS[factor.factor]
        assert factor.evidence, factor.factor
        for evidence in factor.evidence:
            assert evidence.quote and evidence.quote in turns[evidence.turn], (factor.factor, evidence)
    for voice in record.child_voice:
        assert voice.quote in turns[voice.turn]
    statuses = {f.factor: f.status for f in record.factors}
    assert statuses["physical_abuse"] == "present"
    assert statuses["parental_substance_misuse"] == "ruled_out"  # "No, nothing like that that we've ever seen."


def test_demo_record_provenance(demo_run: Run, knowledge: Knowledge) -> None:
    record = DraftRecord.model_validate_json((demo_run.out_dir / "demo-call.json").read_text(encoding="utf-8"))
    provenance = record.provenance
    assert provenance["knowledge"] == knowledge.versions
    assert provenance["extraction"]["use_classifier"] is False
    assert "classifier" not in provenance["models"]
    assert provenance["models"]["encoder"].startswith("minilm:")
    assert provenance["models"]["spacy"].startswith("en_")
    assert provenance["guidance"]["encoder"] == provenance["models"]["encoder"]


def test_batch_with_broken_files_reports_each_and_drafts_the_rest(batch_run: Run) -> None:
    result = batch_run.result
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    bad = ["bad.json", "empty.txt", "notutf8.txt", "huge.txt"]
    assert len(errors) == len(bad), result.output
    for name in bad:
        assert sum(str(batch_run.inputs[name]) in line for line in errors) == 1, (name, errors)
    assert not any(str(batch_run.inputs["good.json"]) in line for line in errors)
    by_name = {name: next(line for line in errors if str(batch_run.inputs[name]) in line) for name in bad}
    assert "malformed JSON at line 2" in by_name["bad.json"]
    assert "the file is empty" in by_name["empty.txt"]
    assert "not UTF-8" in by_name["notutf8.txt"]
    assert "over the 0.01 MB limit" in by_name["huge.txt"]
    assert "4 of 5 call(s) could not be drafted" in result.output
    assert "Traceback" not in result.output


def test_batch_writes_only_the_good_record_and_no_temporary_files(batch_run: Run) -> None:
    assert os.listdir(batch_run.out_dir) == ["good.json"]  # no partial, empty or *.tmp files
    record = DraftRecord.model_validate_json((batch_run.out_dir / "good.json").read_text(encoding="utf-8"))
    assert record.call_id == "good" and record.factors


def test_draft_refuses_bad_arguments_before_loading_models(tmp_path: Path) -> None:
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    result = invoke([str(empty)], tmp_path)
    assert result.exit_code == 2 and "error: no calls to draft" in result.output
    result = invoke([str(DEMO), str(DEMO), "-o", str(tmp_path / "one.json")], tmp_path)
    assert result.exit_code == 2 and "error: -o names one file" in result.output
    assert not (tmp_path / "one.json").exists()
