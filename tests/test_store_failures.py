"""Database trouble: locked, full, failing half way. Nothing may be half saved; errors must say what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError

from assistant.auth import User
from assistant.settings import load_settings
from assistant.store import AcceptFactor, RecordStore, SetNote, StoreError
from assistant.store.samples import sample_draft

SAM = User(username="sam", display_name="Sam Patel", role="social_worker")


def _counts(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("records", "record_versions", "audit_entries")
        )  # type: ignore[return-value]


def test_locked_database_gives_store_error_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    store = RecordStore(f"sqlite:///{path}", busy_timeout_s=0.2)
    view = store.create_record(sample_draft(), user=SAM)
    before = _counts(path)

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreError, match="locked by another program.*Nothing was saved; try again"):
            store.apply(view.record_id, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1)
        with pytest.raises(StoreError, match="locked"):
            store.create_record(sample_draft("cads-2"), user=SAM)
        assert store.get(view.record_id).version == 1  # reads still work under WAL
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert _counts(path) == before
    after = store.apply(view.record_id, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1)
    assert after.version == 2 and _counts(path) == (1, 2, 2)
    store.close()


def test_full_disk_gives_store_error_and_rolls_back(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    store = RecordStore(f"sqlite:///{path}")
    view = store.create_record(sample_draft(), user=SAM)
    before = _counts(path)

    @event.listens_for(store._engine, "connect")
    def _cap(dbapi_conn, _record) -> None:  # SQLite reports SQLITE_FULL once the file may not grow
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store._engine.dispose()  # new connections get the cap
    huge = SetNote(text="x" * 200_000)
    with pytest.raises(StoreError, match="is full. Nothing was saved; free some space"):
        store.apply(view.record_id, huge, user=SAM, expected_version=1)
    assert _counts(path) == before
    assert store.get(view.record_id).review.note is None
    store.close()


def test_failure_half_way_through_a_change_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "records.db"
    store = RecordStore(f"sqlite:///{path}")
    view = store.create_record(sample_draft(), user=SAM)
    before = _counts(path)

    def broken_audit(*args, **kwargs):  # the version row is already written when the audit insert fails
        raise OperationalError("INSERT INTO audit_entries", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(RecordStore, "_audit", broken_audit)
    with pytest.raises(StoreError, match="While saving a change to record .*disk I/O error. Nothing was saved"):
        store.apply(view.record_id, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1)
    assert _counts(path) == before
    assert store.get(view.record_id).version == 1
    store.close()


def test_open_runs_migrations_and_uses_wal(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "state")
    with RecordStore.open(settings) as store:
        assert store.list_records() == []
    db = tmp_path / "state" / "frontdoor.db"
    assert db.is_file()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0001_initial"
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert {"users", "records", "record_versions", "audit_entries"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    with RecordStore.open(settings) as again:  # a second open is a no-op upgrade
        assert again.list_records() == []


def test_migrations_match_the_tables_in_code(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from assistant.store.db import metadata

    url = f"sqlite:///{tmp_path / 'records.db'}"
    RecordStore(url).close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_bad_database_settings_are_explained(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist; create it"):
        RecordStore(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with pytest.raises(StoreError, match="not valid"):
        RecordStore("not a url")


def test_two_processes_writing_at_once_all_succeed_or_conflict_cleanly(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from assistant.store import ConflictError, RejectFactor, SetPathway

    url = f"sqlite:///{tmp_path / 'records.db'}"
    first, second = RecordStore(url), RecordStore(url, migrate=False)  # two "processes", two connection pools
    ids = [first.create_record(sample_draft(f"cads-{i}"), user=SAM).record_id for i in range(2)]

    def review(store: RecordStore, record_id: str) -> int:
        v = store.get(record_id)
        for action in (
            AcceptFactor(factor="domestic_abuse"),
            RejectFactor(factor="parental_substance_misuse"),
            AcceptFactor(factor="protective_carer"),
            SetPathway(pathway="early_help", reason="consent"),
        ):
            v = store.apply(record_id, action, user=SAM, expected_version=v.version)
        return v.version

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(review, (first, second), ids)) == [5, 5]

    def confirm(store: RecordStore) -> str:
        try:
            return f"v{store.confirm(ids[0], user=SAM, expected_version=5).version}"
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(confirm, (first, second)))
    assert outcomes == ["conflict", "v6"]  # one confirmation; the other is told, never a second version
    assert [v.kind for v in first.versions(ids[0])].count("confirmed") == 1
    first.close()
    second.close()
