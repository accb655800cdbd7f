"""The user directory: accounts in the records database, argon2-hashed passwords, roles."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import IntegrityError

from assistant.auth.models import ROLES, Role, User
from assistant.auth.passwords import Hasher, check_password_strength
from assistant.store.db import users
from assistant.store.errors import AuthError, InvalidActionError, NotFoundError

if TYPE_CHECKING:
    from assistant.store.store import RecordStore

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_AUTH_FAILED = "Unknown username or wrong password."


def _user(row: Row[Any]) -> User:
    return User(username=row.username, display_name=row.display_name, role=row.role, active=row.active)


class UserDirectory:
    """Users of one :class:`~assistant.store.RecordStore` (``store.users``)."""

    def __init__(self, store: RecordStore, hasher: Hasher | None = None) -> None:
        self._store = store
        self._hasher = hasher or Hasher()

    def create(
        self,
        username: str,
        password: str,
        *,
        role: Role,
        display_name: str | None = None,
        created_by: str = "system",
    ) -> User:
        """Add an account. Usernames are lower case (letters, digits, . _ -); passwords at least 10 characters.

        Raises :class:`InvalidActionError` for a bad username, role or password, or a username already taken.
        """
        if not USERNAME.match(username):
            raise InvalidActionError(
                f"Username {username!r} is not allowed: use 2-64 lower-case letters, digits, '.', '_' or '-'."
            )
        if role not in ROLES:
            raise InvalidActionError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
        check_password_strength(password)
        password_hash = self._hasher.hash(password)
        try:
            with self._store.transaction(f"adding user {username}") as conn:
                taken = conn.execute(select(users.c.id).where(users.c.username == username)).first()
                if taken is not None:
                    raise InvalidActionError(f"User {username!r} already exists.")
                conn.execute(
                    users.insert().values(
                        username=username,
                        display_name=(display_name or username).strip() or username,
                        role=role,
                        password_hash=password_hash,
                        active=True,
                        created_at=self._store.now(),
                        created_by=created_by,
                    )
                )
        except IntegrityError as exc:
            raise InvalidActionError(f"User {username!r} already exists.") from exc
        return self.get(username)

    def authenticate(self, username: str, password: str) -> User:
        """The user if ``password`` is theirs; :class:`AuthError` otherwise (same message for unknown users)."""
        key = username.strip().lower()
        with self._store.transaction("signing in", write=False) as conn:
            row = conn.execute(select(users).where(users.c.username == key)).one_or_none()
        if row is None:
            self._hasher.burn(password)
            raise AuthError(_AUTH_FAILED)
        if not self._hasher.verify(row.password_hash, password):
            raise AuthError(_AUTH_FAILED)
        if not row.active:
            raise AuthError(f"The account {key} is disabled; ask an admin to enable it.")
        if self._hasher.needs_rehash(row.password_hash):
            self._set_hash(key, self._hasher.hash(password))
        return _user(row)

    def get(self, username: str) -> User:
        """The account ``username``; :class:`NotFoundError` if there is none."""
        with self._store.transaction(f"reading user {username}", write=False) as conn:
            row = conn.execute(select(users).where(users.c.username == username)).one_or_none()
        if row is None:
            raise NotFoundError(f"No user named {username!r}.")
        return _user(row)

    def list(self) -> list[User]:
        """Every account, by username."""
        with self._store.transaction("listing users", write=False) as conn:
            rows = conn.execute(select(users).order_by(users.c.username)).all()
        return [_user(r) for r in rows]

    def count(self) -> int:
        with self._store.transaction("counting users", write=False) as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def set_password(self, username: str, password: str) -> None:
        """Replace the password of ``username`` (:class:`NotFoundError` if unknown)."""
        check_password_strength(password)
        self._set_hash(username, self._hasher.hash(password))

    def set_active(self, username: str, active: bool) -> User:
        """Enable or disable an account; a disabled account cannot sign in, create or review records."""
        with self._store.transaction(f"updating user {username}") as conn:
            changed = conn.execute(update(users).where(users.c.username == username).values(active=active)).rowcount
            if changed != 1:
                raise NotFoundError(f"No user named {username!r}.")
        return self.get(username)

    def _set_hash(self, username: str, password_hash: str) -> None:
        with self._store.transaction(f"updating user {username}") as conn:
            changed = conn.execute(
                update(users).where(users.c.username == username).values(password_hash=password_hash)
            ).rowcount
            if changed != 1:
                raise NotFoundError(f"No user named {username!r}.")
