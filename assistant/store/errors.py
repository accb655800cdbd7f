"""Errors of the records store. Every message says what happened and what to do next."""

from __future__ import annotations

from datetime import datetime


class StoreError(RuntimeError):
    """The store could not do what was asked; nothing was saved (the transaction was rolled back)."""


class NotFoundError(StoreError, LookupError):
    """No record, version or user has that id; the message names the id."""


class InvalidActionError(StoreError, ValueError):
    """A review action or confirmation is not valid for this record (e.g. a quote not verbatim in the transcript)."""


class NotConfirmedError(StoreError):
    """The record has no confirmed version yet, so it cannot be exported or read as confirmed."""


class ConflictError(StoreError):
    """Someone else changed or confirmed the record since you loaded it (``expected_version`` is stale), or an
    idempotency key was reused for a different action. Reload the record and try again."""

    def __init__(
        self,
        message: str,
        *,
        record_id: str,
        expected_version: int | None = None,
        current_version: int | None = None,
        changed_by: str | None = None,
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at


class AuthError(StoreError):
    """Sign-in failed (unknown user or wrong password: deliberately not told apart) or the account is disabled."""


class PermissionDeniedError(StoreError):
    """The signed-in user's role does not allow this (e.g. an evaluator confirming a record)."""
