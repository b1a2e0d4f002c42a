"""The plain calls against the real gateway: propose, wait, consume, report_outcome, and errors."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

import countersign
from countersign import ApprovalStatus, Level
from gateway import AGENT


def key() -> str:
    return "k-" + uuid.uuid4().hex


def test_propose_and_replay(cs):
    k = key()
    first = cs.propose("refund", 0.9, "Refund A-1", amount=Decimal("120.10"), currency="USD", subject="c-1", idempotency_key=k,
                       messages=[("customer", "the lamp arrived broken")], context={"order_id": "A-1"}, fallback="Say sorry")
    assert first.level is Level.APPROVE and not first.is_replay and first.risk_class == "financial"
    assert first.approval.status is ApprovalStatus.PENDING and first.approval.fallback == "Say sorry"
    assert any(reason.code == "confidence.financial" for reason in first.reasons)
    again = cs.propose("refund", 0.9, "Refund A-1", amount=Decimal("120.10"), currency="USD", subject="c-1", idempotency_key=k,
                       messages=[("customer", "the lamp arrived broken")], context={"order_id": "A-1"}, fallback="Say sorry")
    assert again.is_replay and again.proposal_id == first.proposal_id
    record = cs.proposal(first.proposal_id)
    assert record.proposal["amount"] == 120.1 and record.approval.id == first.approval.id and record.outcome is None
    with pytest.raises(countersign.Invalid) as raised:
        cs.propose("refund", 0.8, "Refund A-1", idempotency_key=k)
    assert raised.value.code == "idempotency_key_reused" and raised.value.status == 422


def test_wait_returns_pending_after_its_timeout_then_the_decision(cs, approver):
    verdict = cs.propose("refund", 0.9, "Refund " + key())
    assert cs.wait(verdict.approval.id, timeout=0.3).status is ApprovalStatus.PENDING
    approver.decide(verdict.approval.id, "approve", "fine")
    approval = cs.wait(verdict.approval.id, timeout=30)
    assert approval.status is ApprovalStatus.APPROVED and approval.comment == "fine" and approval.decided_by == "alice"


def test_consume_once_with_its_binding(cs, approver):
    binding = countersign.call_binding("billing", "refund", {"order": "A-9"})
    verdict = cs.propose("refund", 0.9, "Refund A-9 " + key(), context={"binding": binding})
    with pytest.raises(countersign.Conflict) as early:
        cs.consume(verdict.approval.id, binding)
    assert early.value.code == "not_approved"
    approver.decide(verdict.approval.id, "approve")
    with pytest.raises(countersign.Invalid) as edited:
        cs.consume(verdict.approval.id, countersign.call_binding("billing", "refund", {"order": "A-10"}))
    assert edited.value.code == "binding_mismatch"
    used = cs.consume(verdict.approval.id, binding)
    assert used.consumed_by == AGENT and used.consumed_at is not None
    with pytest.raises(countersign.Conflict) as twice:
        cs.consume(verdict.approval.id, binding)
    assert twice.value.code == "already_consumed"


def test_report_outcome_once(cs):
    verdict = cs.propose("lookup_order", 0.9, "Look up " + key())
    assert verdict.level is Level.AUTO
    record = cs.report_outcome(verdict.proposal_id, "succeeded", "found it")
    assert record.outcome is countersign.Outcome.SUCCEEDED
    with pytest.raises(countersign.Conflict) as twice:
        cs.report_outcome(verdict.proposal_id, countersign.Outcome.FAILED)
    assert twice.value.code == "outcome_recorded"


def test_refusals_are_typed_by_family(gateway, cs):
    with pytest.raises(countersign.Unauthorized):
        countersign.Countersign(gateway.url, key="cs_agent_not_a_real_key_123", agent=AGENT).propose("refund", 0.9, "x")
    with pytest.raises(countersign.Forbidden) as mismatch:
        cs.propose("refund", 0.9, "x", agent="other-agent")
    assert mismatch.value.code == "agent_mismatch"
    with pytest.raises(countersign.Invalid) as invalid:
        cs.propose("refund", 1.5, "x")
    assert invalid.value.code == "invalid_proposal" and "confidence" in invalid.value.message
    other = countersign.Countersign(gateway.url, key=gateway.other_key, agent="other-agent")
    theirs = other.propose("refund", 0.9, "Refund " + key())
    with pytest.raises(countersign.NotFound):
        cs.approval(theirs.approval.id)  # another agent's approval is not there at all
    with pytest.raises(countersign.NotFound):
        cs.wait("../../v1/approvals?status=pending", timeout=1)  # ids are path-escaped


async def test_the_async_client(gateway, approver):
    async with countersign.AsyncCountersign(gateway.url, key=gateway.agent_key, agent=AGENT) as acs:
        verdict = await acs.propose("refund", 0.9, "Refund " + key())
        approver.decide(verdict.approval.id, "take_over", "mine")
        approval = await acs.wait(verdict.approval.id, timeout=30)
        assert approval.status is ApprovalStatus.TAKEN_OVER and approval.comment == "mine"
        assert (await acs.proposal(verdict.proposal_id)).approval.status is ApprovalStatus.TAKEN_OVER


def test_an_unreachable_gateway_fails_closed(gateway):
    cs = countersign.Countersign("http://127.0.0.1:9", key=gateway.agent_key, agent=AGENT,
                                 retry=countersign.RetryPolicy(max_attempts=2, initial_backoff=0.01))
    ran = []

    @cs.guard(operation="refund", confidence=0.995)
    def refund() -> None:
        ran.append(1)

    with pytest.raises(countersign.NetworkError):
        refund()
    assert ran == []
