"""The curated corpus loads, and a broken copy gives a KnowledgeError naming the file and the entry."""

from __future__ import annotations

import copy
import functools
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import FILES, SPEC_FACTORS, Knowledge, KnowledgeError, load_knowledge
from assistant.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"


def test_real_corpus_loads(knowledge: Knowledge) -> None:
    factors = knowledge.taxonomy.by_id()
    assert set(factors) == set(SPEC_FACTORS)
    assert all(f.kind == SPEC_FACTORS[f.id] for f in factors.values())
    assert all(f.cues for f in factors.values())
    assert set(knowledge.versions) == set(FILES)
    # version: the declared version plus the content hash of the file
    assert all(len(v.split("+")[-1]) == 12 for v in knowledge.versions.values())
    assert knowledge.kind_of("young_carer") == "risk" and knowledge.kind_of("trusted_adult") == "strength"
    # phrases are cleaned to lower case single-spaced words
    assert all(c == " ".join(c.lower().split()) for f in factors.values() for c in f.cues)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the corpus files extraction reads."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, _ in FILES.values():
        shutil.copy(CORPUS / name, folder / name)
    return folder


@functools.cache
def _parsed(name: str) -> dict:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a copied corpus file with `change` applied to its data."""
    data = copy.deepcopy(_parsed(path.name))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def factor(data: dict, factor_id: str) -> dict:
    return next(f for f in data["factors"] if f["id"] == factor_id)


def load_error(corpus: Path) -> str:
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(corpus)
    return str(err.value)


def test_copy_loads_with_the_same_versions(corpus: Path, knowledge: Knowledge) -> None:
    assert load_knowledge(corpus).versions == knowledge.versions


def test_a_change_changes_the_version(corpus: Path, knowledge: Knowledge) -> None:
    with (corpus / "dialogue.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment changes the hash\n")
    versions = load_knowledge(corpus).versions
    assert versions["dialogue"] != knowledge.versions["dialogue"]
    assert {k: v for k, v in versions.items() if k != "dialogue"} == {
        k: v for k, v in knowledge.versions.items() if k != "dialogue"
    }


def test_unknown_factor_id(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, "young_carer").update(id="gang_affiliation"))
    message = load_error(corpus)
    assert message.startswith(str(corpus / "taxonomy.yaml"))
    assert "gang_affiliation is not in the contract's taxonomy" in message


def test_missing_factor(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: d["factors"].remove(factor(d, "radicalisation")))
    message = load_error(corpus)
    assert message.startswith(str(corpus / "taxonomy.yaml"))
    assert "factors missing from the taxonomy: radicalisation" in message


def test_factor_defined_twice(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: d["factors"].append(dict(factor(d, "neglect"))))
    assert "factor neglect is defined twice" in load_error(corpus)


def test_factor_with_the_other_kind(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, "neglect").update(kind="strength"))
    message = load_error(corpus)
    assert message.startswith(str(corpus / "taxonomy.yaml"))
    assert "factor neglect must have kind risk, not strength" in message


@pytest.mark.parametrize(
    ("fid", "opposes", "expected"),
    [
        ("stable_home", ["school_engagement"], "factor stable_home opposes school_engagement, which are not risks"),
        ("stable_home", ["worry"], "factor stable_home opposes worry, which are not risks"),
        ("neglect", ["education_absence"], "factor neglect: only a strength opposes risks"),
    ],
)
def test_a_strength_opposes_only_risks(corpus: Path, fid: str, opposes: list[str], expected: str) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, fid).update(opposes=opposes))
    assert expected in load_error(corpus)


@pytest.mark.parametrize(
    ("yields_to", "expected"),
    [
        ({"worry": 0.9}, "factor physical_abuse yields to worry, which is not another factor of the contract"),
        ({"physical_abuse": 0.9}, "factor physical_abuse yields to physical_abuse, which is not another factor"),
        ({"domestic_abuse": 1.5}, "factor physical_abuse yields to domestic_abuse below 1.5, which is not a probability"),
    ],
)
def test_yields_to_names_other_factors_and_probabilities(corpus: Path, yields_to: dict[str, float], expected: str) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, "physical_abuse").update(yields_to=yields_to))
    assert expected in load_error(corpus)


def test_openers_not_asked_are_single_words(corpus: Path) -> None:
    edit(corpus / "dialogue.yaml", lambda d: d["openers_not_asked"].append("all right"))
    message = load_error(corpus)
    assert "openers_not_asked are single words" in message and "all right" in message


def test_factor_with_an_invalid_kind_names_the_entry(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, "young_carer").update(kind="worry"))
    message = load_error(corpus)
    assert message.startswith(str(corpus / "taxonomy.yaml"))
    assert "(id young_carer)" in message and "kind" in message


def test_factor_without_cues_names_the_entry(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, "stable_home").update(cues=[]))
    message = load_error(corpus)
    assert "(id stable_home)" in message and "cues" in message


def test_unexpected_field_names_the_entry(corpus: Path) -> None:
    edit(corpus / "taxonomy.yaml", lambda d: factor(d, "neglect").update(cue=["typo"]))
    message = load_error(corpus)
    assert "(id neglect)" in message and "cue" in message


def test_bad_yaml(corpus: Path) -> None:
    path = corpus / "taxonomy.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - id: [unclosed\n", encoding="utf-8")
    message = load_error(corpus)
    assert message.startswith(f"{path}: not valid YAML")
    assert "line" in message  # the parser's position helps the editor find it


def test_top_level_not_a_mapping(corpus: Path) -> None:
    (corpus / "child_voice.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert load_error(corpus) == f"{corpus / 'child_voice.yaml'}: expected a mapping at the top level"


def test_missing_file(corpus: Path) -> None:
    (corpus / "parents_aware.yaml").unlink()
    assert load_error(corpus).startswith(f"{corpus / 'parents_aware.yaml'}: file is missing")


def test_unknown_status_category_names_the_rule(corpus: Path) -> None:
    path = corpus / "status_rules.yaml"
    index = next(i for i, r in enumerate(_parsed(path.name)["rules"]) if r["phrase"] == "might")
    edit(path, lambda d: d["rules"][index].update(category="perhaps"))
    message = load_error(corpus)
    assert message.startswith(str(path))
    assert f"rules.{index}.category" in message and "'possible'" in message


def test_unknown_caller_role(corpus: Path) -> None:
    edit(corpus / "caller_roles.yaml", lambda d: d["roles"].update(social_services=["social worker"]))
    message = load_error(corpus)
    assert message.startswith(str(corpus / "caller_roles.yaml"))
    assert "unknown caller roles ['social_services']" in message


def test_empty_phrase_is_refused(corpus: Path) -> None:
    edit(corpus / "dialogue.yaml", lambda d: d["answers"]["negative"].append("   "))
    message = load_error(corpus)
    assert message.startswith(str(corpus / "dialogue.yaml"))
    assert "answers.negative" in message and "empty phrase" in message
