"""The records store: versions, immutability, audit trail, review actions, conflicts, double submits, restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from assistant.auth import User
from assistant.records import Evidence
from assistant.store import (
    AcceptFactor,
    AddAction,
    AddFactor,
    ConflictError,
    EditEvidence,
    InvalidActionError,
    NotConfirmedError,
    NotFoundError,
    PermissionDeniedError,
    RecordStore,
    RejectFactor,
    SetFactorStatus,
    SetPathway,
    SetSpeaker,
)
from assistant.store.samples import sample_draft

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # real argon2id, cheap parameters
SAM = User(username="sam", display_name="Sam Patel", role="social_worker")
ALEX = User(username="alex", display_name="Alex Khan", role="practice_lead")
EVA = User(username="eva", display_name="Eva Lund", role="evaluator")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 6, 14, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'records.db'}"


@pytest.fixture
def store(db_url: str):
    s = RecordStore(db_url, clock=Clock(), password_hasher=FAST)
    s.users.create("sam", "a long password 1", role="social_worker", display_name="Sam Patel")
    s.users.create("alex", "a long password 2", role="practice_lead", display_name="Alex Khan")
    yield s
    s.close()


def reviewed(store: RecordStore, user: User = SAM):
    """A record with every factor decided and a pathway agreed: ready to confirm."""
    v = store.create_record(sample_draft(), user=user)
    for action in (
        AcceptFactor(factor="domestic_abuse"),
        RejectFactor(factor="parental_substance_misuse", reason="asked, not evidence"),
        SetFactorStatus(factor="protective_carer", status="possible"),
        SetPathway(pathway="early_help", reason="Protective mum consents to family hub support."),
        AddAction(who="School DSL", what="Refer to the family hub", by_when=date(2025, 1, 10)),
    ):
        v = store.apply(v.record_id, action, user=user, expected_version=v.version)
    return v


def test_version_one_is_the_assistant_draft(store: RecordStore) -> None:
    draft = sample_draft()
    view = store.create_record(draft, user=SAM)
    assert view.version == 1 and view.status == "draft"
    assert store.get_draft(view.record_id) == draft
    [v1] = store.versions(view.record_id)
    assert (v1.kind, v1.actor_type, v1.created_by) == ("draft", "assistant", "sam")
    assert [f.decision for f in view.review.factors] == ["pending"] * 3
    assert store.get_draft(view.record_id).provenance == {"pipeline": "samples", "note": "fictional example"}


def test_each_change_appends_a_version_and_an_audit_entry(store: RecordStore) -> None:
    v = reviewed(store)
    versions = store.versions(v.record_id)
    audit = store.audit(v.record_id)
    assert [x.number for x in versions] == [1, 2, 3, 4, 5, 6]
    assert [x.kind for x in versions] == ["draft"] * 6
    assert [a.action for a in audit] == ["create", "accept", "reject", "set_status", "set_pathway", "add_action"]
    assert [a.version for a in audit] == [1, 2, 3, 4, 5, 6]
    assert audit[0].actor_type == "assistant" and all(a.actor_type == "person" for a in audit[1:])
    assert all(a.user == "sam" and a.at.tzinfo is not None for a in audit)
    status = audit[3]
    assert set(status.before) == {"factors"} and set(status.before["factors"]) == {"protective_carer"}
    assert status.before["factors"]["protective_carer"]["status"] == "present"
    assert status.after["factors"]["protective_carer"]["status"] == "possible"
    assert status.after["factors"]["protective_carer"]["decision"] == "changed"
    assert audit[4].before == {"agreed_pathway": None, "pathway_reason": None}
    assert audit[4].after["agreed_pathway"] == "early_help"


def test_an_action_that_changes_nothing_writes_nothing(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    v = store.apply(v.record_id, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1)
    again = store.apply(v.record_id, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=2)
    assert again.version == 2 and len(store.audit(v.record_id)) == 2


def test_actions_as_dicts_and_invalid_ones(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    v = store.apply(
        v.record_id, {"action": "set_speaker", "turn": 2, "speaker": "caller"}, user=SAM, expected_version=1
    )
    assert v.transcript.turns[2].speaker == "caller" and v.draft.transcript.turns[2].speaker == "worker"
    v = store.apply(v.record_id, SetSpeaker(turn=2, speaker="worker"), user=SAM, expected_version=2)
    assert v.version == 3 and v.review.speaker_overrides == {} and v.transcript.turns[2].speaker == "worker"
    with pytest.raises(InvalidActionError, match="set_pathway"):
        store.apply(v.record_id, {"action": "set_pathway", "pathway": "x"}, user=SAM, expected_version=3)
    with pytest.raises(InvalidActionError, match="Unknown pathway 'nursery'"):
        store.apply(v.record_id, SetPathway(pathway="nursery", reason="r"), user=SAM, expected_version=3)
    with pytest.raises(InvalidActionError, match="'bullying' is not in this record"):
        store.apply(v.record_id, AcceptFactor(factor="bullying"), user=SAM, expected_version=3)
    with pytest.raises(InvalidActionError, match="Turn 40 does not exist"):
        store.apply(v.record_id, SetSpeaker(turn=40, speaker="caller"), user=SAM, expected_version=3)
    assert store.get(v.record_id).version == 3


def test_added_factor_needs_a_verbatim_quote(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    with pytest.raises(InvalidActionError, match="not verbatim in turn 8.*Copy the words exactly"):
        store.apply(
            v.record_id,
            AddFactor(factor="neglect", kind="risk", status="possible", quote="arrives hungry every day", turn=8),
            user=SAM,
            expected_version=1,
        )
    with pytest.raises(InvalidActionError, match="appear in turn 8; use that turn"):
        store.apply(
            v.record_id,
            AddFactor(factor="neglect", kind="risk", status="possible", quote="coming in late and hungry", turn=3),
            user=SAM,
            expected_version=1,
        )
    assert store.get(v.record_id).version == 1 and len(store.audit(v.record_id)) == 1
    added = store.apply(
        v.record_id,
        AddFactor(factor="neglect", kind="risk", status="possible", quote="coming in late  and hungry", turn=8),
        user=SAM,
        expected_version=1,
    )
    factor = added.review.factor("neglect")
    assert (factor.decision, factor.detected_by, factor.confidence, factor.evidence[0].start) == (
        "added",
        ["person"],
        None,
        48.0,
    )
    with pytest.raises(InvalidActionError, match="already in the record"):
        store.apply(
            v.record_id,
            AddFactor(factor="neglect", kind="risk", status="present", quote="hungry", turn=8),
            user=SAM,
            expected_version=2,
        )


def test_edited_evidence_must_be_verbatim(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    bad = EditEvidence(factor="domestic_abuse", evidence=[Evidence(quote="dad hit mum", turn=3)])
    with pytest.raises(InvalidActionError, match="not verbatim"):
        store.apply(v.record_id, bad, user=SAM, expected_version=1)
    good = EditEvidence(factor="domestic_abuse", evidence=[Evidence(quote="she hid upstairs", turn=3)])
    v = store.apply(v.record_id, good, user=SAM, expected_version=1)
    assert v.review.factor("domestic_abuse").evidence[0].quote == "she hid upstairs"
    assert v.review.factor("domestic_abuse").decision == "changed"


def test_confirm_needs_every_factor_decided_and_a_pathway(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    with pytest.raises(
        InvalidActionError, match="still pending: domestic_abuse, parental_substance_misuse, protective"
    ):
        store.confirm(v.record_id, user=SAM, expected_version=1)
    with pytest.raises(NotConfirmedError, match="not been confirmed"):
        store.get_confirmed(v.record_id)
    assert [x.number for x in store.versions(v.record_id)] == [1]


def test_confirmed_versions_are_immutable_and_later_edits_stack_on_top(store: RecordStore, db_url: str) -> None:
    v = reviewed(store)
    first = store.confirm(v.record_id, user=SAM, expected_version=6, worker_name="Sam Patel (duty)")
    assert (first.version, first.confirmed_from_version, first.previous_confirmed_version) == (7, 6, None)
    assert first.pathway.agreed == "early_help" and first.pathway.suggested == "child_in_need"
    assert [f.factor for f in first.factors] == ["domestic_abuse", "protective_carer"]
    assert [f.factor for f in first.rejected_factors] == ["parental_substance_misuse"]
    assert first.actions[0].who == "School DSL" and first.worker_name == "Sam Patel (duty)"
    assert first.confirmed_by == "sam" and store.get(v.record_id).status == "confirmed"
    stored = _content(db_url, v.record_id, 7)

    later = store.apply(
        v.record_id, SetPathway(pathway="child_in_need", reason="New info"), user=ALEX, expected_version=7
    )
    assert (later.version, later.status, later.last_confirmed_version) == (8, "draft", 7)
    assert store.versions(v.record_id)[-1].based_on == 7
    assert store.get_confirmed(v.record_id) == first  # the latest confirmed is still the old one
    second = store.confirm(v.record_id, user=ALEX, expected_version=8)
    assert (second.version, second.confirmed_from_version, second.previous_confirmed_version) == (9, 8, 7)
    assert second.worker_name == "Alex Khan" and second.pathway.agreed == "child_in_need"
    assert store.get_confirmed(v.record_id, 7) == first
    assert _content(db_url, v.record_id, 7) == stored
    assert store.get_draft(v.record_id) == sample_draft()
    with pytest.raises(NotConfirmedError, match="Version 8 .* is a draft"):
        store.get_confirmed(v.record_id, 8)
    assert [x.kind for x in store.versions(v.record_id)][-3:] == ["confirmed", "draft", "confirmed"]


def _content(url: str, record_id: str, number: int) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT content FROM record_versions WHERE record_id = :r AND number = :n"),
            {"r": record_id, "n": number},
        ).scalar_one()
    engine.dispose()
    return value


def test_second_confirmer_gets_a_conflict_naming_who_and_when(store: RecordStore) -> None:
    v = reviewed(store)
    store.confirm(v.record_id, user=ALEX, expected_version=v.version)
    at = store.versions(v.record_id)[-1].created_at.astimezone().strftime("%H:%M")
    with pytest.raises(ConflictError) as info:
        store.confirm(v.record_id, user=SAM, expected_version=v.version)
    message = str(info.value)
    assert "confirmed by Alex Khan at" in message and at in message and "reload" in message
    assert (info.value.changed_by, info.value.current_version, info.value.expected_version) == ("alex", 7, 6)
    assert sum(x.kind == "confirmed" for x in store.versions(v.record_id)) == 1


def test_stale_edit_gets_a_conflict_and_writes_nothing(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    store.apply(v.record_id, AcceptFactor(factor="domestic_abuse"), user=ALEX, expected_version=1)
    with pytest.raises(ConflictError, match="changed by Alex Khan at .*reload"):
        store.apply(v.record_id, RejectFactor(factor="domestic_abuse"), user=SAM, expected_version=1)
    assert store.get(v.record_id).review.factor("domestic_abuse").decision == "accepted"
    assert len(store.audit(v.record_id)) == 2


def test_double_submits_are_idempotent(store: RecordStore) -> None:
    first = store.create_record(sample_draft(), user=SAM, idempotency_key="upload-1")
    again = store.create_record(sample_draft(), user=SAM, idempotency_key="upload-1")
    assert again.record_id == first.record_id and len(store.list_records()) == 1
    rid = first.record_id
    a = store.apply(rid, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1, idempotency_key="c1")
    b = store.apply(rid, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1, idempotency_key="c1")
    assert a.version == b.version == 2 and len(store.audit(rid)) == 2
    with pytest.raises(ConflictError, match="already used .* for a different change"):
        store.apply(rid, RejectFactor(factor="protective_carer"), user=SAM, expected_version=2, idempotency_key="c1")
    v = rid
    for i, action in enumerate(
        (
            RejectFactor(factor="parental_substance_misuse"),
            AcceptFactor(factor="protective_carer"),
            SetPathway(pathway="advice_only", reason="School continues support"),
        )
    ):
        store.apply(v, action, user=SAM, expected_version=2 + i)
    c1 = store.confirm(rid, user=SAM, expected_version=5, idempotency_key="confirm-1")
    c2 = store.confirm(rid, user=SAM, expected_version=5, idempotency_key="confirm-1")
    assert c1 == c2 and c1.version == 6
    assert sum(x.kind == "confirmed" for x in store.versions(rid)) == 1
    assert [a.action for a in store.audit(rid)].count("confirm") == 1


def test_drafts_survive_a_restart(db_url: str) -> None:
    with RecordStore(db_url, password_hasher=FAST) as s:
        s.users.create("sam", "a long password 1", role="social_worker")
        v = s.create_record(sample_draft(), user=SAM)
        v = s.apply(v.record_id, AcceptFactor(factor="domestic_abuse"), user=SAM, expected_version=1)
        before = s.get(v.record_id)
    with RecordStore(db_url, password_hasher=FAST) as reopened:
        after = reopened.get(v.record_id)
        assert after == before and after.review.factor("domestic_abuse").decision == "accepted"
        assert len(reopened.audit(v.record_id)) == 2
        assert reopened.users.get("sam").role == "social_worker"
        reopened.apply(v.record_id, RejectFactor(factor="protective_carer"), user=SAM, expected_version=2)
        assert reopened.get(v.record_id).version == 3


def test_unknown_ids_are_named(store: RecordStore) -> None:
    with pytest.raises(NotFoundError, match="rec-missing"):
        store.get("rec-missing")
    with pytest.raises(NotFoundError, match="rec-missing"):
        store.apply("rec-missing", AcceptFactor(factor="neglect"), user=SAM, expected_version=1)
    v = store.create_record(sample_draft(), user=SAM)
    with pytest.raises(NotFoundError, match="no version 42"):
        store.get_confirmed(v.record_id, 42)


def test_roles_limit_what_users_may_do(store: RecordStore) -> None:
    v = store.create_record(sample_draft(), user=SAM)
    with pytest.raises(PermissionDeniedError, match="eva \\(evaluator\\) may not review"):
        store.apply(v.record_id, AcceptFactor(factor="domestic_abuse"), user=EVA, expected_version=1)
    with pytest.raises(PermissionDeniedError):
        store.create_record(sample_draft(), user=User(username="root", display_name="Root", role="admin"))
    with pytest.raises(PermissionDeniedError, match="disabled"):
        store.confirm(v.record_id, user=SAM.model_copy(update={"active": False}), expected_version=1)
    assert store.get(v.record_id).version == 1  # reading is allowed to everyone


def test_list_records_filters_by_status(store: RecordStore) -> None:
    draft_only = store.create_record(sample_draft("cads-a"), user=SAM)
    done = reviewed(store)
    store.confirm(done.record_id, user=SAM, expected_version=done.version)
    assert {r.record_id for r in store.list_records()} == {draft_only.record_id, done.record_id}
    [confirmed] = store.list_records(status="confirmed")
    assert (confirmed.record_id, confirmed.agreed_pathway, confirmed.version) == (done.record_id, "early_help", 7)
    assert [r.record_id for r in store.list_records(status="draft")] == [draft_only.record_id]
