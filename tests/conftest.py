"""Shared fixtures: settings in a temporary folder, the spaCy model and the corpus knowledge (each
loaded once per session), and a pipeline on the fake encoder. A module may define a fixture of the
same name to override one of these."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Rules-only settings whose state (index, database) lives in tmp_path."""
    return load_settings(data_dir=tmp_path, use_classifier=False)


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from assistant.models import load_spacy

    return load_spacy(load_settings())


@pytest.fixture(scope="session")
def knowledge():  # type: ignore[no-untyped-def]
    from assistant.knowledge import load_knowledge

    return load_knowledge(PROJECT_ROOT / "corpus")


@pytest.fixture(scope="session")
def analyser(nlp, knowledge):  # type: ignore[no-untyped-def]
    from assistant.extract.analysis import Analyser

    return Analyser(nlp, knowledge)


@pytest.fixture
def fake_pipeline(settings: Settings, nlp, knowledge, analyser):  # type: ignore[no-untyped-def]
    """Pipeline(settings, ModelLoader(settings, encoder="fake")), reusing the session's spaCy model,
    knowledge and analyser; its guidance index is built with the fake encoder in tmp_path."""
    from assistant.models import ModelLoader
    from assistant.pipeline import Pipeline

    loader = ModelLoader(settings, encoder="fake")
    loader.__dict__["nlp"] = nlp  # as evaluation.run shares loaded parts between pipelines
    pipeline = Pipeline(settings, loader)
    pipeline.__dict__["knowledge"] = knowledge
    pipeline.__dict__["analyser"] = analyser
    return pipeline


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the shipped corpus files that extraction reads, for a test to break."""
    from assistant.knowledge import FILES

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, _ in FILES.values():
        shutil.copy(PROJECT_ROOT / "corpus" / name, folder / name)
    return folder
