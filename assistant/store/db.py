"""Tables, engine and migrations of the records store (SQLAlchemy Core, Alembic)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from assistant.store.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("call_id", String(200), nullable=False, index=True),
    Column("head_version", Integer, nullable=False),
    Column("last_confirmed_version", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("create_key", String(200), nullable=True, unique=True),
)

record_versions = Table(
    "record_versions",
    metadata,
    Column("record_id", String(40), ForeignKey("records.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("actor_type", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("based_on", Integer, nullable=True),
    Column("state", Text, nullable=False),
    Column("content", Text, nullable=True),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(40), ForeignKey("records.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("username", String(64), nullable=False),
    Column("actor_type", String(16), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", Text, nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    UniqueConstraint("record_id", "seq", name="uq_audit_record_seq"),
    UniqueConstraint("record_id", "idempotency_key", name="uq_audit_record_key"),
    Index("ix_audit_record", "record_id"),
)


def make_engine(url: str, *, busy_timeout_s: float = 5.0) -> Engine:
    """An engine for ``url``; for SQLite: WAL journal, a busy timeout, foreign keys, and BEGIN IMMEDIATE for writes.

    Writes open their transaction with ``conn.execution_options(frontdoor_write=True)`` so that SQLite takes the
    write lock at BEGIN (waiting up to the busy timeout) instead of failing on a lock upgrade half way through.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"The database URL {url!r} is not valid ({exc}); fix FRONTDOOR_DATABASE_URL.") from exc
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"The folder {folder} for the records database does not exist; create it or fix the URL.")
    engine = create_engine(parsed, connect_args={"timeout": busy_timeout_s})
    timeout_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun explicitly below
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("frontdoor_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Run the migrations up to head in one transaction; a failure leaves the schema as it was."""
    from alembic import command

    try:
        with engine.connect().execution_options(frontdoor_write=True) as conn, conn.begin():
            command.upgrade(alembic_config(conn), "head")
    except DBAPIError as exc:
        raise database_error(exc, engine, "migrating the records database") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"Migrating the records database failed: {exc}") from exc


def database_error(exc: DBAPIError, engine: Engine, doing: str) -> StoreError:
    """Turn a driver error into a :class:`StoreError` that says what to do. The caller has rolled back."""
    where = engine.url.render_as_string(hide_password=True)
    text = str(exc.orig if exc.orig is not None else exc).lower()
    if "locked" in text or "busy" in text:
        hint = (
            "the records database is locked by another program or process. Nothing was saved; "
            f"try again in a moment, and if it keeps happening close other programs using {where}."
        )
    elif "disk is full" in text or "disk full" in text or "no space" in text:
        hint = f"the disk holding the records database ({where}) is full. Nothing was saved; free some space and retry."
    elif "readonly" in text or "read-only" in text:
        hint = f"the records database ({where}) is read-only. Nothing was saved; check the file's permissions."
    elif "unable to open" in text:
        hint = f"the records database ({where}) cannot be opened; check the folder exists and is writable."
    else:
        hint = f"the records database ({where}) reported: {exc.orig or exc}. Nothing was saved."
    return StoreError(f"While {doing}, {hint}")
