"""Shared helpers of the workspace tests: one fake-encoder, rules-only pipeline per test process (loading spaCy and
building the guidance index takes a while), and a workspace over a fresh store in a test's tmp_path."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import gradio as gr
from argon2 import PasswordHasher

from assistant.models import ModelLoader
from assistant.offline import go_offline
from assistant.pipeline import Pipeline
from assistant.settings import Settings, load_settings
from assistant.store import RecordStore
from ui.context import Workspace

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORDS = {
    "sam": "sam password 123",
    "alex": "alex password 123",
    "eva": "eva password 1234",
    "ada": "ada password 1234",
}
ROLES = {"sam": "social_worker", "alex": "practice_lead", "eva": "evaluator", "ada": "admin"}


@functools.cache
def shared_pipeline() -> Pipeline:
    go_offline()
    data_dir = Path(tempfile.mkdtemp(prefix="frontdoor-ui-tests-"))
    settings = load_settings(use_classifier=False, data_dir=data_dir)
    pipeline = Pipeline(settings, ModelLoader(settings, encoder="fake"))
    pipeline.warm_up()
    return pipeline


def make_workspace(
    tmp_path: Path, *, pipeline: Pipeline | None = None, busy_timeout_s: float = 5.0, **overrides: object
) -> Workspace:
    """A workspace over a fresh store in ``tmp_path`` with one user of each role, sharing the test pipeline."""
    pipeline = pipeline or shared_pipeline()
    settings: Settings = pipeline.settings.model_copy(update={"data_dir": tmp_path / "data", **overrides})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = RecordStore(settings.resolved_database_url(), password_hasher=FAST, busy_timeout_s=busy_timeout_s)
    for name, role in ROLES.items():
        store.users.create(name, PASSWORDS[name], role=role, display_name=name.title())  # type: ignore[arg-type]
    return Workspace(settings, store, pipeline)


def request(username: str | None, session: str = "test-session") -> gr.Request:
    return gr.Request(username=username, session_hash=session)
