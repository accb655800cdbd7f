"""Password hashing with argon2id (argon2-cffi); hashes carry their own parameters and salt."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assistant.store.errors import InvalidActionError

MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> None:
    """Raise :class:`InvalidActionError` for a password too short to protect children's records."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidActionError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if password.strip() != password:
        raise InvalidActionError("The password must not start or end with spaces.")


class Hasher:
    """Hash and verify passwords. ``PasswordHasher()`` defaults follow RFC 9106's second recommendation."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True if ``password`` matches; False on mismatch or an unreadable hash (never raises for bad input)."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def burn(self, password: str) -> None:
        """Spend the time of one verification, so an unknown username takes as long as a wrong password."""
        if self._dummy is None:
            self._dummy = self._hasher.hash("not-a-real-password")
        self.verify(self._dummy, password)
