"""Sign-in: argon2 hashes, roles, the demo account and the `users` commands."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from assistant.auth import AuthError, ensure_demo_account
from assistant.auth.cli import users_app
from assistant.settings import load_settings
from assistant.store import InvalidActionError, NotFoundError, RecordStore
from assistant.store.db import users

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def store(tmp_path: Path):
    s = RecordStore(f"sqlite:///{tmp_path / 'records.db'}", password_hasher=FAST)
    yield s
    s.close()


def test_passwords_are_argon2_hashes_and_sign_in_checks_them(store: RecordStore) -> None:
    user = store.users.create("sam", "a long password 1", role="practice_lead", display_name="Sam Patel")
    assert (user.username, user.role, user.display_name) == ("sam", "practice_lead", "Sam Patel")
    with store.transaction("test", write=False) as conn:
        stored = conn.execute(users.select()).one().password_hash
    assert stored.startswith("$argon2id$") and "a long password 1" not in stored
    assert store.users.authenticate("Sam", "a long password 1") == user
    with pytest.raises(AuthError, match="Unknown username or wrong password"):
        store.users.authenticate("sam", "a long password 2")
    with pytest.raises(AuthError, match="Unknown username or wrong password"):
        store.users.authenticate("nobody", "a long password 1")


def test_bad_accounts_are_refused(store: RecordStore) -> None:
    store.users.create("sam", "a long password 1", role="social_worker")
    with pytest.raises(InvalidActionError, match="already exists"):
        store.users.create("sam", "a long password 1", role="social_worker")
    with pytest.raises(InvalidActionError, match="at least 10 characters"):
        store.users.create("jo", "short", role="social_worker")
    with pytest.raises(InvalidActionError, match="not allowed"):
        store.users.create("Jo Smith", "a long password 1", role="social_worker")
    with pytest.raises(InvalidActionError, match="Unknown role 'boss'"):
        store.users.create("jo", "a long password 1", role="boss")  # type: ignore[arg-type]
    assert [u.username for u in store.users.list()] == ["sam"]


def test_disabled_accounts_and_password_changes(store: RecordStore) -> None:
    store.users.create("sam", "a long password 1", role="social_worker")
    store.users.set_password("sam", "a new long password")
    with pytest.raises(AuthError):
        store.users.authenticate("sam", "a long password 1")
    assert store.users.authenticate("sam", "a new long password").username == "sam"
    assert store.users.set_active("sam", False).active is False
    with pytest.raises(AuthError, match="disabled"):
        store.users.authenticate("sam", "a new long password")
    with pytest.raises(NotFoundError, match="'ghost'"):
        store.users.set_active("ghost", True)


def test_roles_grant_permissions(store: RecordStore) -> None:
    worker = store.users.create("sam", "a long password 1", role="social_worker")
    evaluator = store.users.create("eva", "a long password 1", role="evaluator")
    admin = store.users.create("root", "a long password 1", role="admin")
    assert worker.can("review_records") and not worker.can("manage_users")
    assert evaluator.can("read_records") and not evaluator.can("review_records")
    assert admin.can("manage_users") and not admin.can("review_records")


def test_demo_account_on_a_fresh_machine(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "state")
    lines: list[str] = []
    account = ensure_demo_account(settings, echo=lines.append)
    assert account is not None and account.created and account.password
    creds = tmp_path / "state" / "demo_credentials.txt"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert f"password: {account.password}" in creds.read_text()
    assert account.password in lines[0] and str(creds) in lines[0]
    with RecordStore.open(settings) as store:
        assert store.users.authenticate("demo", account.password).role == "social_worker"

    again = ensure_demo_account(settings, echo=lines.append)  # a second `make run` changes nothing
    assert again is not None and not again.created and again.password is None
    assert str(creds) in lines[1] and account.password not in lines[1]
    assert f"password: {account.password}" in creds.read_text()


def test_no_demo_account_once_real_accounts_exist(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with RecordStore.open(settings) as store:
        store.users.create("root", "a long password 1", role="admin")
        assert ensure_demo_account(settings, store, echo=lambda _: None) is None
        assert [u.username for u in store.users.list()] == ["root"]
    assert not (tmp_path / "demo_credentials.txt").exists()


def test_users_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDOOR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(users_app, ["create-admin", "root", "--password-stdin"], input="an admin password\n")
    assert made.exit_code == 0, made.output
    added = runner.invoke(
        users_app,
        ["add", "sam", "--role", "social_worker", "--display-name", "Sam Patel"],
        input="a long password 1\na long password 1\n",
    )
    assert added.exit_code == 0, added.output
    bad_role = runner.invoke(users_app, ["add", "jo", "--role", "boss", "--password-stdin"], input="a long password\n")
    assert bad_role.exit_code == 2 and "unknown role 'boss'" in bad_role.output
    dup = runner.invoke(users_app, ["add", "sam", "--role", "evaluator", "--password-stdin"], input="a long password\n")
    assert dup.exit_code == 1 and "already exists" in dup.output
    listed = runner.invoke(users_app, ["list"])
    assert listed.exit_code == 0
    assert [line.split()[:2] for line in listed.output.splitlines()] == [["root", "admin"], ["sam", "social_worker"]]
    with RecordStore.open(load_settings()) as store:
        assert store.users.authenticate("root", "an admin password").role == "admin"
        assert store.users.authenticate("sam", "a long password 1").display_name == "Sam Patel"
