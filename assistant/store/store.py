"""The records store: records, their versions and audit trail, in SQLite (default) or any SQLAlchemy URL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from assistant.auth.models import Permission, User
from assistant.records import DraftRecord
from assistant.settings import Settings
from assistant.store.db import (
    audit_entries,
    database_error,
    make_engine,
    record_versions,
    records,
    upgrade_to_head,
    users,
)
from assistant.store.errors import (
    ConflictError,
    InvalidActionError,
    NotConfirmedError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
)
from assistant.store.review import (
    AuditEntry,
    ConfirmedRecord,
    RecordSummary,
    RecordView,
    ReviewAction,
    ReviewState,
    VersionInfo,
    apply_action,
    build_confirmed,
    transcript_with_overrides,
)

if TYPE_CHECKING:
    from assistant.auth.users import UserDirectory

_ACTION_ADAPTER: TypeAdapter[ReviewAction] = TypeAdapter(ReviewAction)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _when(at: datetime) -> str:
    local = at.astimezone()
    today = datetime.now(local.tzinfo).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b %Y %H:%M")


def _diff(before: ReviewState, after: ReviewState) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that changed, before and after; factors narrowed to the changed ones (by factor id)."""
    b, a = before.model_dump(mode="json"), after.model_dump(mode="json")
    bd: dict[str, Any] = {}
    ad: dict[str, Any] = {}
    for key, new in a.items():
        old = b.get(key)
        if new == old:
            continue
        if key == "factors":
            bf = {f["factor"]: f for f in old or []}
            af = {f["factor"]: f for f in new}
            ids = [*bf, *(i for i in af if i not in bf)]
            changed = [i for i in ids if bf.get(i) != af.get(i)]
            bd[key] = {i: bf.get(i) for i in changed}
            ad[key] = {i: af.get(i) for i in changed}
        else:
            bd[key], ad[key] = old, new
    return bd, ad


class RecordStore:
    """Records, versions, audit trail and users in one database. Thread-safe; open one per process.

    Every public method runs in one transaction: it either completes or leaves the database as it was, raising a
    :class:`StoreError` subclass. See :mod:`assistant.store` for the model.
    """

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_s: float = 5.0,
        migrate: bool = True,
        clock: Callable[[], datetime] = _utcnow,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        """Connect to ``url`` (any SQLAlchemy URL) and, unless ``migrate`` is False, upgrade the schema to head.

        ``busy_timeout_s``: how long a write waits for another writer's lock (SQLite) before failing with a
        :class:`StoreError`. ``clock`` returns the current time (timezone-aware); tests pass a fixed one.
        ``password_hasher``: argon2 parameters for new and checked passwords (default: argon2-cffi's defaults).
        """
        self._engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        self._clock = clock
        self._users: UserDirectory | None = None
        self._password_hasher = password_hasher
        if migrate:
            try:
                upgrade_to_head(self._engine)
            except BaseException:
                self._engine.dispose()
                raise

    @classmethod
    def open(cls, settings: Settings, *, busy_timeout_s: float = 5.0) -> RecordStore:
        """Open the store of ``settings`` (``settings.resolved_database_url()``), creating ``data_dir`` if needed."""
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.resolved_database_url(), busy_timeout_s=busy_timeout_s)

    def close(self) -> None:
        """Release every connection (the file stays; reopen with a new :class:`RecordStore`)."""
        self._engine.dispose()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def now(self) -> datetime:
        """The store's clock (UTC, timezone-aware)."""
        return self._clock()

    @property
    def users(self) -> UserDirectory:
        """The users of this store: create, authenticate, list, set_password, set_active."""
        if self._users is None:
            from assistant.auth.passwords import Hasher
            from assistant.auth.users import UserDirectory

            self._users = UserDirectory(self, Hasher(self._password_hasher))
        return self._users

    @contextmanager
    def transaction(self, doing: str, *, write: bool = True) -> Iterator[Connection]:
        """One transaction, committed at the end of the block and rolled back on any error.

        Driver errors (SQLite locked, disk full...) become a :class:`StoreError` whose message starts
        "While {doing}, ..." and says what to do. ``write`` takes SQLite's write lock at BEGIN.
        """
        try:
            with self._engine.connect().execution_options(frontdoor_write=write) as conn, conn.begin():
                yield conn
        except IntegrityError:
            raise  # callers decide: a duplicate key is often a double submit racing another
        except DBAPIError as exc:
            raise database_error(exc, self._engine, doing) from exc

    # -----------------------------------------------------------------------------------------------------------------
    # Records

    def create_record(self, draft: DraftRecord, *, user: User, idempotency_key: str | None = None) -> RecordView:
        """Store the assistant's draft as version 1 of a new record and return its view.

        ``idempotency_key`` (e.g. the upload's id): a repeat with the same key returns the record made the first
        time instead of a second record. Needs the ``create_records`` permission.
        """
        _require(user, "create_records", "create records")
        state = ReviewState.from_draft(draft)
        for attempt in (1, 2):
            try:
                with self.transaction(f"saving the draft of call {draft.call_id}") as conn:
                    if idempotency_key is not None:
                        existing = conn.execute(
                            select(records.c.id).where(records.c.create_key == idempotency_key)
                        ).scalar_one_or_none()
                        if existing is not None:
                            return self._view(conn, existing)
                    now = self.now()
                    record_id = f"rec-{uuid.uuid4().hex[:12]}"
                    conn.execute(
                        records.insert().values(
                            id=record_id,
                            call_id=draft.call_id,
                            head_version=1,
                            last_confirmed_version=None,
                            status="draft",
                            created_by=user.username,
                            created_at=now,
                            updated_by=user.username,
                            updated_at=now,
                            create_key=idempotency_key,
                        )
                    )
                    conn.execute(
                        record_versions.insert().values(
                            record_id=record_id,
                            number=1,
                            kind="draft",
                            actor_type="assistant",
                            created_by=user.username,
                            created_at=now,
                            based_on=None,
                            state=state.model_dump_json(),
                            content=draft.to_json(),
                        )
                    )
                    self._audit(
                        conn,
                        record_id,
                        seq=1,
                        at=now,
                        user=user.username,
                        actor_type="assistant",
                        action="create",
                        detail={"call_id": draft.call_id, "provenance": draft.provenance},
                        before=None,
                        after={"version": 1, "status": "draft", "factors": [f.factor for f in draft.factors]},
                        version=1,
                        key=idempotency_key,
                    )
                    return self._view(conn, record_id)
            except IntegrityError as exc:
                if attempt == 2 or idempotency_key is None:
                    raise StoreError(f"Saving the draft of call {draft.call_id} failed: {exc.orig}") from exc
        raise AssertionError("unreachable")

    def get(self, record_id: str) -> RecordView:
        """The record at its head version (the working draft or the latest confirmed version); NotFoundError if none."""
        with self.transaction(f"reading record {record_id}", write=False) as conn:
            return self._view(conn, record_id)

    def list_records(self, *, status: str | None = None, limit: int = 200) -> list[RecordSummary]:
        """Records, most recently changed first; ``status`` "draft" or "confirmed" filters by the head version."""
        if status not in (None, "draft", "confirmed"):
            raise InvalidActionError(f"Unknown status filter {status!r}; use 'draft' or 'confirmed'.")
        query = (
            select(records, record_versions.c.state)
            .join(
                record_versions,
                (record_versions.c.record_id == records.c.id) & (record_versions.c.number == records.c.head_version),
            )
            .order_by(records.c.updated_at.desc(), records.c.id)
            .limit(limit)
        )
        if status is not None:
            query = query.where(records.c.status == status)
        with self.transaction("listing records", write=False) as conn:
            rows = conn.execute(query).all()
        return [
            RecordSummary(
                record_id=r.id,
                call_id=r.call_id,
                version=r.head_version,
                status=r.status,
                created_by=r.created_by,
                created_at=r.created_at,
                updated_by=r.updated_by,
                updated_at=r.updated_at,
                agreed_pathway=json.loads(r.state).get("agreed_pathway"),
            )
            for r in rows
        ]

    def apply(
        self,
        record_id: str,
        action: ReviewAction | Mapping[str, Any],
        *,
        user: User,
        expected_version: int,
        idempotency_key: str | None = None,
    ) -> RecordView:
        """Apply one review action to the record's head and return the new view.

        A change appends a new draft version (on top of a confirmed head too) and one audit entry; an action that
        changes nothing writes nothing. ``action`` is a review action model or its dict (``{"action": "accept",
        "factor": "neglect"}``). Raises :class:`ConflictError` if the head is not ``expected_version``,
        :class:`InvalidActionError` if the action does not fit the record (e.g. a quote not verbatim),
        :class:`NotFoundError`, :class:`PermissionDeniedError`. With ``idempotency_key``, a repeat of the same
        action returns the record as it is now and writes nothing.
        """
        _require(user, "review_records", "review records")
        parsed = _parse_action(action)
        detail = parsed.model_dump(mode="json")
        for attempt in (1, 2):
            try:
                with self.transaction(f"saving a change to record {record_id}") as conn:
                    row = self._record_row(conn, record_id)
                    if idempotency_key is not None and self._seen(conn, record_id, idempotency_key, detail):
                        return self._view(conn, record_id)
                    if row.head_version != expected_version:
                        raise self._conflict(conn, row, expected_version)
                    state = self._state(conn, record_id, row.head_version)
                    draft = self._draft(conn, record_id)
                    new_state = apply_action(state, parsed, draft.transcript)
                    if new_state == state:
                        return self._view(conn, record_id)
                    now = self.now()
                    number = self._append_version(
                        conn, row, expected_version, kind="draft", user=user, now=now, state=new_state, content=None
                    )
                    before, after = _diff(state, new_state)
                    self._audit(
                        conn,
                        record_id,
                        seq=self._next_seq(conn, record_id),
                        at=now,
                        user=user.username,
                        actor_type="person",
                        action=parsed.action,
                        detail=detail,
                        before=before,
                        after=after,
                        version=number,
                        key=idempotency_key,
                    )
                    return self._view(conn, record_id)
            except IntegrityError as exc:
                # Another submit with the same key (or the same version) won the race: look again.
                if attempt == 2:
                    raise StoreError(f"Saving a change to record {record_id} failed: {exc.orig}") from exc
        raise AssertionError("unreachable")

    def confirm(
        self,
        record_id: str,
        *,
        user: User,
        expected_version: int,
        worker_name: str | None = None,
        idempotency_key: str | None = None,
    ) -> ConfirmedRecord:
        """Confirm the record's head as a new immutable version and return the :class:`ConfirmedRecord`.

        Needs every factor decided and an agreed pathway with a reason (else :class:`InvalidActionError` listing
        what is missing). ``worker_name`` defaults to the user's display name. :class:`ConflictError` if the head
        is not ``expected_version`` (e.g. "confirmed by Sam Patel at 14:05; reload"). If the head is already a
        confirmed version, that one is returned and nothing is written; a repeat with the same ``idempotency_key``
        returns the version that key confirmed.
        """
        _require(user, "review_records", "confirm records")
        detail = {"worker_name": worker_name, "expected_version": expected_version}
        for attempt in (1, 2):
            try:
                with self.transaction(f"confirming record {record_id}") as conn:
                    row = self._record_row(conn, record_id)
                    if idempotency_key is not None:
                        done = self._seen(conn, record_id, idempotency_key, detail, action="confirm")
                        if done is not None:
                            return self._confirmed(conn, record_id, done)
                    if row.head_version != expected_version:
                        raise self._conflict(conn, row, expected_version)
                    if row.status == "confirmed":
                        return self._confirmed(conn, record_id, row.head_version)
                    state = self._state(conn, record_id, row.head_version)
                    draft = self._draft(conn, record_id)
                    now = self.now()
                    number = row.head_version + 1
                    confirmed = build_confirmed(
                        record_id=record_id,
                        version=number,
                        from_version=row.head_version,
                        previous_confirmed=row.last_confirmed_version,
                        state=state,
                        draft=draft,
                        worker_name=worker_name if worker_name is not None else user.display_name,
                        confirmed_by=user.username,
                        confirmed_at=now,
                    )
                    self._append_version(
                        conn,
                        row,
                        expected_version,
                        kind="confirmed",
                        user=user,
                        now=now,
                        state=state,
                        content=confirmed.to_json(),
                    )
                    self._audit(
                        conn,
                        record_id,
                        seq=self._next_seq(conn, record_id),
                        at=now,
                        user=user.username,
                        actor_type="person",
                        action="confirm",
                        detail=detail,
                        before={"version": row.head_version, "status": row.status},
                        after={
                            "version": number,
                            "status": "confirmed",
                            "agreed_pathway": confirmed.pathway.agreed,
                            "worker_name": confirmed.worker_name,
                        },
                        version=number,
                        key=idempotency_key,
                    )
                    return confirmed
            except IntegrityError as exc:
                if attempt == 2:
                    raise StoreError(f"Confirming record {record_id} failed: {exc.orig}") from exc
        raise AssertionError("unreachable")

    def get_confirmed(self, record_id: str, version: int | None = None) -> ConfirmedRecord:
        """A confirmed version (the latest when ``version`` is None). NotConfirmedError for a draft-only record or a
        draft version; NotFoundError for an unknown record or version."""
        with self.transaction(f"reading record {record_id}", write=False) as conn:
            row = self._record_row(conn, record_id)
            if version is None:
                if row.last_confirmed_version is None:
                    raise NotConfirmedError(
                        f"Record {record_id} has not been confirmed yet; review and confirm it first."
                    )
                version = row.last_confirmed_version
            return self._confirmed(conn, record_id, version)

    def get_draft(self, record_id: str) -> DraftRecord:
        """The assistant's draft (version 1) exactly as it was stored."""
        with self.transaction(f"reading record {record_id}", write=False) as conn:
            self._record_row(conn, record_id)
            return self._draft(conn, record_id)

    def versions(self, record_id: str) -> list[VersionInfo]:
        """Every version of the record, oldest first."""
        with self.transaction(f"reading record {record_id}", write=False) as conn:
            self._record_row(conn, record_id)
            rows = conn.execute(
                select(record_versions)
                .where(record_versions.c.record_id == record_id)
                .order_by(record_versions.c.number)
            ).all()
        return [
            VersionInfo(
                record_id=record_id,
                number=r.number,
                kind=r.kind,
                actor_type=r.actor_type,
                created_by=r.created_by,
                created_at=r.created_at,
                based_on=r.based_on,
            )
            for r in rows
        ]

    def audit(self, record_id: str) -> list[AuditEntry]:
        """The record's audit trail, oldest first: one entry for creation, each change and each confirmation."""
        with self.transaction(f"reading record {record_id}", write=False) as conn:
            self._record_row(conn, record_id)
            rows = conn.execute(
                select(audit_entries).where(audit_entries.c.record_id == record_id).order_by(audit_entries.c.seq)
            ).all()
        return [
            AuditEntry(
                record_id=record_id,
                seq=r.seq,
                at=r.at,
                user=r.username,
                actor_type=r.actor_type,
                action=r.action,
                detail=json.loads(r.detail),
                before=None if r.before is None else json.loads(r.before),
                after=None if r.after is None else json.loads(r.after),
                version=r.version,
            )
            for r in rows
        ]

    # -----------------------------------------------------------------------------------------------------------------
    # Internals (all run inside a transaction)

    def _record_row(self, conn: Connection, record_id: str) -> Row[Any]:
        row = conn.execute(select(records).where(records.c.id == record_id)).one_or_none()
        if row is None:
            raise NotFoundError(
                f"No record with id {record_id!r}; it may have been mistyped or belong to another store."
            )
        return row

    def _version_row(self, conn: Connection, record_id: str, number: int) -> Row[Any]:
        row = conn.execute(
            select(record_versions).where(
                (record_versions.c.record_id == record_id) & (record_versions.c.number == number)
            )
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"Record {record_id!r} has no version {number}.")
        return row

    def _state(self, conn: Connection, record_id: str, number: int) -> ReviewState:
        return ReviewState.model_validate_json(self._version_row(conn, record_id, number).state)

    def _draft(self, conn: Connection, record_id: str) -> DraftRecord:
        content = self._version_row(conn, record_id, 1).content
        if content is None:
            raise StoreError(f"Record {record_id!r} has lost its draft (version 1 has no content); restore a backup.")
        return DraftRecord.model_validate_json(content)

    def _confirmed(self, conn: Connection, record_id: str, number: int) -> ConfirmedRecord:
        row = self._version_row(conn, record_id, number)
        if row.kind != "confirmed" or row.content is None:
            raise NotConfirmedError(f"Version {number} of record {record_id} is a draft, not a confirmed version.")
        return ConfirmedRecord.model_validate_json(row.content)

    def _view(self, conn: Connection, record_id: str) -> RecordView:
        row = self._record_row(conn, record_id)
        state = self._state(conn, record_id, row.head_version)
        draft = self._draft(conn, record_id)
        return RecordView(
            record_id=record_id,
            version=row.head_version,
            status=row.status,
            review=state,
            draft=draft,
            transcript=transcript_with_overrides(draft.transcript, state.speaker_overrides),
            last_confirmed_version=row.last_confirmed_version,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )

    def _append_version(
        self,
        conn: Connection,
        row: Row[Any],
        expected_version: int,
        *,
        kind: str,
        user: User,
        now: datetime,
        state: ReviewState,
        content: str | None,
    ) -> int:
        number = expected_version + 1
        values: dict[str, Any] = {
            "head_version": number,
            "status": kind,
            "updated_by": user.username,
            "updated_at": now,
        }
        if kind == "confirmed":
            values["last_confirmed_version"] = number
        moved = conn.execute(
            update(records)
            .where((records.c.id == row.id) & (records.c.head_version == expected_version))
            .values(**values)
        ).rowcount
        if moved != 1:  # another writer got in between (possible on PostgreSQL): nothing of ours is kept
            raise self._conflict(conn, self._record_row(conn, row.id), expected_version)
        conn.execute(
            record_versions.insert().values(
                record_id=row.id,
                number=number,
                kind=kind,
                actor_type="person",
                created_by=user.username,
                created_at=now,
                based_on=expected_version,
                state=state.model_dump_json(),
                content=content,
            )
        )
        return number

    def _next_seq(self, conn: Connection, record_id: str) -> int:
        current = conn.execute(
            select(func.max(audit_entries.c.seq)).where(audit_entries.c.record_id == record_id)
        ).scalar_one()
        return int(current or 0) + 1

    def _audit(
        self,
        conn: Connection,
        record_id: str,
        *,
        seq: int,
        at: datetime,
        user: str,
        actor_type: str,
        action: str,
        detail: dict[str, Any],
        before: Any,
        after: Any,
        version: int,
        key: str | None,
    ) -> None:
        conn.execute(
            audit_entries.insert().values(
                record_id=record_id,
                seq=seq,
                at=at,
                username=user,
                actor_type=actor_type,
                action=action,
                detail=json.dumps(detail, default=str),
                before=None if before is None else json.dumps(before, default=str),
                after=None if after is None else json.dumps(after, default=str),
                version=version,
                idempotency_key=key,
            )
        )

    def _seen(
        self, conn: Connection, record_id: str, key: str, detail: dict[str, Any], action: str | None = None
    ) -> int | None:
        """The version an earlier submit with ``key`` produced, or None if the key is new.

        ConflictError if the key was used for a different action."""
        row = conn.execute(
            select(audit_entries.c.action, audit_entries.c.detail, audit_entries.c.version).where(
                (audit_entries.c.record_id == record_id) & (audit_entries.c.idempotency_key == key)
            )
        ).one_or_none()
        if row is None:
            return None
        same_action = row.action == (action or detail.get("action"))
        if not same_action or json.loads(row.detail) != json.loads(json.dumps(detail, default=str)):
            raise ConflictError(
                f"The submit key {key!r} was already used on record {record_id} for a different change "
                f"({row.action}); reload the record and try again.",
                record_id=record_id,
            )
        return int(row.version)

    def _display_name(self, conn: Connection, username: str) -> str:
        name = conn.execute(select(users.c.display_name).where(users.c.username == username)).scalar_one_or_none()
        return name or username

    def _conflict(self, conn: Connection, row: Row[Any], expected: int) -> ConflictError:
        head = row.head_version
        later = conn.execute(
            select(record_versions)
            .where((record_versions.c.record_id == row.id) & (record_versions.c.number > expected))
            .order_by(record_versions.c.number)
        ).all()
        confirmed = [v for v in later if v.kind == "confirmed"]
        latest = confirmed[-1] if confirmed else (later[-1] if later else None)
        if expected > head or latest is None:
            return ConflictError(
                f"Record {row.id} is at version {head}, not {expected}; reload it.",
                record_id=row.id,
                expected_version=expected,
                current_version=head,
            )
        who = self._display_name(conn, latest.created_by)
        verb = "confirmed" if confirmed else "changed"
        extra = "" if latest.number == head else f", then changed again (now version {head})"
        return ConflictError(
            f"Record {row.id} was {verb} by {who} at {_when(latest.created_at)} (version {latest.number}{extra}) "
            f"after you opened version {expected}; reload to see their changes before you continue.",
            record_id=row.id,
            expected_version=expected,
            current_version=head,
            changed_by=latest.created_by,
            changed_at=latest.created_at,
        )


def _require(user: User, permission: Permission, doing: str) -> None:
    if not user.can(permission):
        if not user.active:
            raise PermissionDeniedError(f"The account {user.username} is disabled; ask an admin to enable it.")
        raise PermissionDeniedError(
            f"{user.username} ({user.role}) may not {doing}; a social worker or practice lead account is needed."
            if permission != "manage_users"
            else f"{user.username} ({user.role}) may not {doing}; an admin account is needed."
        )


def _parse_action(action: ReviewAction | Mapping[str, Any]) -> ReviewAction:
    if isinstance(action, Mapping):
        try:
            return _ACTION_ADAPTER.validate_python(dict(action))
        except PydanticValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'action'}: {e['msg']}" for e in exc.errors())
            raise InvalidActionError(f"Not a valid review action ({problems}).") from exc
    return action
