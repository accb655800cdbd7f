"""`frontdoor train --score-on DIR`: the new head's contract scores on calls it did not learn from go in
its provenance; calls it learns from are refused before any training."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evaluation.run import check_unseen, score_head, train_on
from assistant.labelled import load_labelled_dir
from assistant.settings import PROJECT_ROOT

DEV = PROJECT_ROOT / "evals" / "data" / "dev"


def _calls(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "calls"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(DEV / name, folder / name)
    return folder


def test_scores_of_unseen_calls_go_with_the_head(tmp_path: Path, fake_pipeline) -> None:  # type: ignore[no-untyped-def]
    training = load_labelled_dir(_calls(tmp_path / "a", ["dev-001.json", "dev-002.json", "dev-003.json"]))
    unseen = load_labelled_dir(_calls(tmp_path / "b", ["dev-004.json", "dev-005.json"]))
    head = train_on(fake_pipeline, training, fake_pipeline.loader.encoder)
    got = score_head(fake_pipeline, head, unseen, training)
    assert got["calls"] == 2
    assert 0.0 <= got["micro_f1"] <= 1.0 and 0.0 <= got["status_accuracy"] <= 1.0
    assert got["evidence_verbatim"] == 1.0 and set(got) >= {"macro_f1", "caller_role_accuracy"}
    with pytest.raises(ValueError, match=r"1 of the calls to score the head on are among those it learns from \(dev-003\)"):
        score_head(fake_pipeline, head, [*unseen, training[2]], training)


def test_the_cli_refuses_to_score_on_its_own_training_calls(tmp_path: Path) -> None:
    folder = _calls(tmp_path, ["dev-001.json", "dev-002.json"])
    out = tmp_path / "head.json"
    runner = CliRunner(env={"FRONTDOOR_DATA_DIR": str(tmp_path / "data")})
    result = runner.invoke(app, ["train", str(folder), "--score-on", str(folder), "-o", str(out)])
    assert result.exit_code == 2  # the CLI's exit status for a user error
    assert "2 of the calls to score the head on are among those it learns from" in result.output
    assert "Traceback" not in result.output and not out.exists()
    check_unseen(load_labelled_dir(folder)[:1], load_labelled_dir(folder)[1:])  # disjoint: no error


def test_cross_validation_with_several_seeds_lists_each_seeds_scores(tmp_path: Path, fake_pipeline) -> None:  # type: ignore[no-untyped-def]
    from assistant.evaluation.report import headline, markdown
    from assistant.evaluation.run import evaluate
    from assistant.pipeline import Pipeline

    base = Pipeline(fake_pipeline.settings.model_copy(update={"use_classifier": True}), fake_pipeline.loader)
    base.__dict__.update(knowledge=fake_pipeline.knowledge, analyser=fake_pipeline.analyser)
    calls = load_labelled_dir(_calls(tmp_path, ["dev-001.json", "dev-002.json", "dev-003.json", "dev-004.json"]))
    drafted: list[int] = []
    two = evaluate(base, calls, folds=2, seeds=2, progress=drafted.append)
    assert sum(drafted) == 2 * len(calls)  # every call drafted once a seed
    assert len(two.by_seed) == 2 and two.by_seed[0] == headline(two.scores)  # the report's scores are seed 0's
    assert "seeds 0 to 1" in two.method
    assert evaluate(fake_pipeline, calls, folds=0, seeds=2).by_seed == []  # nothing is retrained without CV
    text = markdown(two.scores, {"by_seed": two.by_seed})
    assert "## The same folds with heads of other seeds" in text
    assert f"| 1 | {two.by_seed[1]['micro_f1']:.3f} |" in text and "| mean |" in text
    rows = [{**two.by_seed[0], "negation_time_errors": n} for n in (11, 12)]
    seed_rows = markdown(two.scores, {"by_seed": rows}).split("other seeds")[1].splitlines()
    assert "| 11 | " in next(r for r in seed_rows if r.startswith("| 0 |"))  # errors are counts
    assert "| 11.5 | " in next(r for r in seed_rows if r.startswith("| mean |"))
    with pytest.raises(ValueError, match="seeds"):
        evaluate(base, calls, folds=2, seeds=0)
