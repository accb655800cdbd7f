"""The records store: what the review workspace (``ui/``), the CLI and exports use to keep records.

Open one store per process and pass it on::

    from assistant.store import RecordStore, AcceptFactor, SetPathway, AddAction

    store = RecordStore.open(settings)                 # runs the Alembic migrations (upgrade head)
    user = store.users.authenticate("sam", password)   # -> User, or AuthError
    view = store.create_record(draft, user=user, idempotency_key=upload_id)   # version 1: the assistant's draft
    view = store.apply(view.record_id, AcceptFactor(factor="neglect"), user=user,
                       expected_version=view.version, idempotency_key=click_id)
    view = store.apply(view.record_id, SetPathway(pathway="early_help", reason="..."), user=user,
                       expected_version=view.version, idempotency_key=click_id2)
    confirmed = store.confirm(view.record_id, user=user, expected_version=view.version,
                              worker_name="Sam Patel", idempotency_key=click_id3)

Model
-----
- A record has numbered versions (:meth:`RecordStore.versions`). Version 1 is the assistant's draft (the
  ``DraftRecord`` JSON with its provenance, ``actor_type="assistant"``). Each review action that changes
  something appends a new *draft* version (a snapshot of the :class:`ReviewState`) and one
  :class:`AuditEntry` (user, time, action, before, after, actor type). Nothing is updated in place.
- :meth:`RecordStore.confirm` appends an immutable *confirmed* version holding a :class:`ConfirmedRecord`
  (factors with the reviewer's decision, agreed pathway and reason, actions who/what/by when, worker name,
  confirmed_by, confirmed_at, ``confirmed_from_version``). A later action makes a new draft version on top;
  confirming again makes a new confirmed version. ``RecordView.status`` says whether the head is confirmed.
- Optimistic concurrency: ``apply`` and ``confirm`` take ``expected_version`` (the ``RecordView.version``
  you showed the user). If the head moved on, :class:`ConflictError` says who changed or confirmed it and
  when ("confirmed by sam at 14:05; reload"). Pass an ``idempotency_key`` (one per click/submit): a repeat
  with the same key returns the first result and writes nothing.
- Every write is one transaction: on any database error (SQLite locked, disk full) it is rolled back and a
  :class:`StoreError` with an actionable message is raised; no half-saved record exists.
- Permissions (:data:`assistant.auth.ROLE_PERMISSIONS`): social_worker and practice_lead create, review and
  confirm; evaluator reads; admin manages users. Otherwise :class:`PermissionDeniedError`.

Review actions (pydantic models, discriminated on ``action``; :data:`ReviewAction` is their union)
---------------------------------------------------------------------------------------------------
``AcceptFactor(factor)``, ``RejectFactor(factor, reason)``, ``SetFactorStatus(factor, status, reason)``,
``EditEvidence(factor, evidence=[Evidence(quote, turn)])``, ``AddFactor(factor, kind, status, quote, turn, note)``
(quotes must be verbatim in that turn, else :class:`InvalidActionError`), ``SetPathway(pathway, reason)``,
``AddAction(who, what, by_when)``, ``RemoveAction(action_id)``, ``SetSpeaker(turn, speaker)``,
``SetParentsAware(value)``, ``SetCallerRole(role)``, ``SetReferrer(name, organisation)``, ``SetNote(text)``.
Confirming needs every factor decided (none ``pending``) and an agreed pathway with a reason.

Errors (all subclasses of :class:`StoreError`)
----------------------------------------------
:class:`NotFoundError` (names the id), :class:`ConflictError`, :class:`InvalidActionError`,
:class:`NotConfirmedError`, :class:`AuthError`, :class:`PermissionDeniedError`.

Users: ``store.users`` is an :class:`assistant.auth.UserDirectory` (create, authenticate, list, set_password,
set_active); :func:`assistant.auth.ensure_demo_account` makes the ``demo`` account on a fresh machine.
Exports of confirmed records: :mod:`assistant.export`.
"""

from assistant.store.errors import (
    AuthError,
    ConflictError,
    InvalidActionError,
    NotConfirmedError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
)
from assistant.store.review import (
    AcceptFactor,
    AddAction,
    AddFactor,
    AgreedAction,
    AuditEntry,
    ConfirmedPathway,
    ConfirmedRecord,
    EditEvidence,
    RecordSummary,
    RecordView,
    Referrer,
    RejectFactor,
    RemoveAction,
    ReviewAction,
    ReviewedFactor,
    ReviewState,
    SetCallerRole,
    SetFactorStatus,
    SetNote,
    SetParentsAware,
    SetPathway,
    SetReferrer,
    SetSpeaker,
    VersionInfo,
    apply_action,
    check_verbatim,
)
from assistant.store.store import RecordStore

__all__ = [
    "AcceptFactor",
    "AddAction",
    "AddFactor",
    "AgreedAction",
    "AuditEntry",
    "AuthError",
    "ConfirmedPathway",
    "ConfirmedRecord",
    "ConflictError",
    "EditEvidence",
    "InvalidActionError",
    "NotConfirmedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RecordStore",
    "RecordSummary",
    "RecordView",
    "Referrer",
    "RejectFactor",
    "RemoveAction",
    "ReviewAction",
    "ReviewState",
    "ReviewedFactor",
    "SetCallerRole",
    "SetFactorStatus",
    "SetNote",
    "SetParentsAware",
    "SetPathway",
    "SetReferrer",
    "SetSpeaker",
    "StoreError",
    "VersionInfo",
    "apply_action",
    "check_verbatim",
]
