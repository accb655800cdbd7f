"""`frontdoor guidance index | search | add | remove | list` on a small corpus with the fake encoder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.guidance.cli import guidance_app
from tests.guidance_fixtures import make_corpus


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = make_corpus(tmp_path)
    monkeypatch.setenv("FRONTDOOR_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("FRONTDOOR_DATA_DIR", str(settings.data_dir))
    return settings.corpus_dir


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(guidance_app, [*args, "--encoder", "fake"])
    return result.exit_code, result.output


def test_index_then_search_then_list(env: Path) -> None:
    code, out = run("index")
    assert code == 0, out
    assert "4 added" in out and "corpus version corpus-" in out
    code, out = run("index")
    assert "0 added" in out and "4 unchanged" in out and "0 chunks embedded" in out
    code, out = run("search", "finger-mark bruises on the upper arm", "-k", "2")
    assert code == 0
    first = next(line for line in out.splitlines() if line.startswith("1. "))
    assert first.startswith("1. factor-physical-abuse#what-it-looks-like")
    code, out = run("list")
    assert "factor-neglect\tNeglect" in out and "indexed" in out and "4 pages" in out


def test_add_checks_each_file_and_indexes_the_good_ones(env: Path, tmp_path: Path) -> None:
    run("index")
    good = tmp_path / "private-fostering.html"
    good.write_text("<h2>What it is</h2><p>A child looked after by someone who is not a relative.</p>")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    clash = tmp_path / "other.md"
    clash.write_text("---\nid: factor-neglect\ntitle: Clash\n---\n\n## A\n\nText.\n")
    code, out = run("add", str(good), str(empty), str(clash))
    assert code == 1
    assert "added private-fostering" in out
    assert "empty.txt: the file is empty" in out
    assert "id 'factor-neglect' is already used" in out
    assert "1 added" in out
    assert (env / "guidance" / "private-fostering.html").exists()
    code, out = run("search", "looked after by someone who is not a relative", "-k", "1")
    assert "private-fostering#what-it-is" in out


def test_remove_deletes_the_page_and_its_chunks(env: Path) -> None:
    run("index")
    code, out = run("remove", "factor-neglect")
    assert code == 0 and "1 removed" in out
    assert not (env / "guidance" / "neglect.md").exists()
    _, out = run("search", "always hungry, same clothes all week", "-k", "5")
    assert "factor-neglect" not in out
    code, out = run("remove", "no-such-page")
    assert code == 2 and "no guidance page with id 'no-such-page'" in out


def test_a_broken_rules_file_is_a_clear_error(env: Path) -> None:
    (env / "pathway_rules.yaml").write_text("version: '1'\npathways: [advice_only]\n", encoding="utf-8")
    code, out = run("index")
    assert code == 2
    assert "pathway_rules.yaml" in out and "Traceback" not in out
