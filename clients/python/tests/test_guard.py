"""Every path of ``guard`` against the real gateway, decided through the HTTP API by an approver."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

import countersign
from countersign import Escalated, Expired, Rejected, StillPending, TakenOver
from gateway import AGENT, Gateway

AUTO, NOTIFY, APPROVE, ESCALATE = 0.995, 0.96, 0.9, 0.5
HANG = 60  # seconds a test waits for a background call before failing (it never should)


def order() -> str:
    return "A-" + uuid.uuid4().hex[:10]


def refund_guard(cs: countersign.Countersign, confidence: float, **options):
    calls = []

    @cs.guard(operation="refund", confidence=confidence, amount=lambda amount: amount, action="Refund {order}",
              subject=lambda order: "customer-" + order, fallback="Tell the customer a specialist will follow up", **options)
    def refund(order: str, amount: float) -> str:
        calls.append((order, amount))
        return f"refunded {order}"

    return refund, calls


def rows_for(gateway: Gateway, order_id: str):
    return [row for row in gateway.proposals() if row["idempotency_key"] and row["idempotency_key"].startswith("guard/")
            and order_id in (gateway.approver().proposal(row["id"])["proposal"].get("action") or "")]


@pytest.mark.parametrize("confidence, level", [(AUTO, "auto"), (NOTIFY, "notify")])
def test_auto_and_notify_run_at_once_and_report_success(cs, gateway, confidence, level):
    refund, calls = refund_guard(cs, confidence)
    oid = order()
    assert refund(oid, 120) == f"refunded {oid}"
    assert calls == [(oid, 120)]
    [row] = rows_for(gateway, oid)
    assert (row["level"], row["outcome"]) == (level, "succeeded")
    view = gateway.approver().proposal(row["id"])
    assert view["proposal"]["amount"] == 120 and view["proposal"]["subject"] == "customer-" + oid
    assert view["proposal"]["context"]["call"]["arguments"] == {"order": oid, "amount": 120}
    assert view["proposal"]["context"]["binding"] == countersign.call_binding(
        "test_guard", "refund_guard.<locals>.refund", {"order": oid, "amount": 120})


def test_approved_runs_after_the_human_and_consumes_the_bound_approval(cs, gateway, approver):
    refund, calls = refund_guard(cs, APPROVE)
    oid = order()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(refund, oid, 120)
        held = approver.next_pending(lambda item: oid in item["proposal"]["action"])
        assert calls == []  # not before the human said yes
        approver.decide(held["id"], "approve", "photo checks out")
        assert future.result(HANG) == f"refunded {oid}"
    view = approver.proposal(held["proposal_id"])
    assert view["approval"]["status"] == "approved"
    assert view["approval"]["consumed_by"] == AGENT and view["approval"]["consumed_at"]
    assert view["outcome"]["outcome"] == "succeeded"


@pytest.mark.parametrize("decision, exception", [("reject", Rejected), ("take_over", TakenOver)])
def test_a_human_no_raises_with_the_fallback_and_the_comment(cs, approver, decision, exception):
    refund, calls = refund_guard(cs, APPROVE)
    oid = order()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(refund, oid, 120)
        held = approver.next_pending(lambda item: oid in item["proposal"]["action"])
        approver.decide(held["id"], decision, "the order was 24.00 ✓")
        with pytest.raises(exception) as raised:
            future.result(HANG)
    assert calls == []
    error = raised.value
    assert error.comment == "the order was 24.00 ✓" and error.decided_by == "alice"
    assert error.fallback == "Tell the customer a specialist will follow up"
    assert error.approval.status.value == ("rejected" if decision == "reject" else "taken_over")
    assert isinstance(error, countersign.NotExecuted)


def test_escalated_raises_at_once_without_waiting(cs, approver):
    refund, calls = refund_guard(cs, ESCALATE, wait=3600)
    oid = order()
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(Escalated) as raised:
            pool.submit(refund, oid, 120).result(HANG)  # nobody decides: only an immediate raise returns
    assert calls == []
    assert raised.value.verdict.level is countersign.Level.ESCALATE
    assert raised.value.fallback == "Tell the customer a specialist will follow up"
    assert any(item["id"] == raised.value.approval_id for item in approver.pending())


def test_expired_when_nobody_answers_before_the_proposals_timeout(cs):
    refund, calls = refund_guard(cs, APPROVE, timeout=1)
    with pytest.raises(Expired) as raised:
        refund(order(), 120)
    assert calls == []
    assert raised.value.approval.decided_by == "system"
    assert raised.value.fallback == "Tell the customer a specialist will follow up"


def test_still_pending_then_the_same_call_reattaches_to_the_same_proposal(cs, gateway, approver):
    refund, calls = refund_guard(cs, APPROVE, wait=0.2)
    oid = order()
    with pytest.raises(StillPending) as raised:
        refund(oid, 120)
    with pytest.raises(StillPending) as again:
        refund(oid, 120)
    assert again.value.approval_id == raised.value.approval_id
    approver.decide(raised.value.approval_id, "approve")
    assert refund(oid, 120) == f"refunded {oid}"
    assert len(rows_for(gateway, oid)) == 1


def test_on_not_executed_returns_instead_of_raising(cs):
    refund, _ = refund_guard(cs, ESCALATE, on_not_executed=lambda error: f"fallback: {error.fallback}")
    assert refund(order(), 120) == "fallback: Tell the customer a specialist will follow up"


def test_a_failing_function_reports_failed_and_reraises(cs, gateway):
    oid = order()

    @cs.guard(operation="refund", confidence=AUTO, action="Refund {order}")
    def refund(order: str) -> None:
        raise LookupError("the payment provider said no")

    with pytest.raises(LookupError):
        refund(oid)
    [row] = rows_for(gateway, oid)
    assert (row["outcome"], row["outcome_detail"]) == ("failed", "LookupError")


def test_the_same_call_made_again_after_it_ran_is_a_new_proposal(cs, gateway):
    refund, calls = refund_guard(cs, AUTO)
    oid = order()
    refund(oid, 120)
    refund(oid, 120)
    rows = rows_for(gateway, oid)
    assert len(calls) == 2 and len(rows) == 2
    assert [row["idempotency_key"].rsplit("/", 1)[1] for row in rows] == ["0", "1"]


def test_a_rejected_call_repeated_in_the_same_process_asks_again(cs, gateway, approver):
    refund, _ = refund_guard(cs, APPROVE)
    oid = order()
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(refund, oid, 120)
        held = approver.next_pending(lambda item: oid in item["proposal"]["action"])
        approver.decide(held["id"], "reject")
        with pytest.raises(Rejected):
            first.result(HANG)
        second = pool.submit(refund, oid, 120)
        again = approver.next_pending(lambda item: oid in item["proposal"]["action"], exclude={held["id"]})
        approver.decide(again["id"], "approve")
        assert second.result(HANG) == f"refunded {oid}"


def test_context_manager_gates_a_block(cs, gateway):
    oid = order()
    guard = cs.guard(operation="refund", confidence=AUTO, action="Refund {order}", amount=lambda amount: amount)
    with guard.on(order=oid, amount=12) as verdict:
        assert verdict.level is countersign.Level.AUTO
    with pytest.raises(ZeroDivisionError):
        with guard.on(order=oid, amount=12):
            1 / 0
    outcomes = [row["outcome"] for row in rows_for(gateway, oid)]
    assert outcomes == ["succeeded", "failed"]
    with pytest.raises(Escalated):
        with cs.guard(operation="refund", confidence=ESCALATE, action="Refund {order}").on(order=oid):
            raise AssertionError("the block must not run")


class LosingProxy:
    """A TCP proxy in front of the gateway that loses the answer to the first request it forwards
    (the request reaches the gateway, which acts on it; the client never hears back)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lost = threading.Event()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        lose = not self.lost.is_set()
        self.lost.set()

        def pump(source: socket.socket, target: socket.socket, drop: bool) -> None:
            try:
                while data := source.recv(65536):
                    if drop:
                        break
                    target.sendall(data)
            except OSError:
                pass
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(client, upstream, False), daemon=True).start()
        pump(upstream, client, lose)

    def close(self) -> None:
        self.listener.close()


def test_a_retry_after_a_lost_answer_never_creates_a_second_proposal(gateway):
    proxy = LosingProxy(gateway.port)
    try:
        cs = countersign.Countersign(f"http://127.0.0.1:{proxy.port}", key=gateway.agent_key, agent=AGENT,
                                     retry=countersign.RetryPolicy(initial_backoff=0.05))
        refund, calls = refund_guard(cs, AUTO)
        oid = order()
        assert refund(oid, 120) == f"refunded {oid}"
        assert proxy.lost.is_set()
        [row] = rows_for(gateway, oid)  # the lost first answer's proposal is the one the retry got back
        assert row["outcome"] == "succeeded" and len(calls) == 1
    finally:
        proxy.close()


CLIENT_SCRIPT = """
import sys, countersign
cs = countersign.Countersign(sys.argv[1], key=sys.argv[2], agent="py-agent")
@cs.guard(operation="refund", confidence=0.9, action="Refund {order}", wait=float(sys.argv[4]))
def refund(order):
    print("EXECUTED", order, flush=True)
print("PROPOSING", flush=True)
try:
    refund(sys.argv[3])
except countersign.StillPending:
    print("STILL PENDING", flush=True)
"""


def test_a_killed_and_restarted_client_reuses_its_proposal(gateway, approver, tmp_path):
    script = tmp_path / "agent.py"
    script.write_text(CLIENT_SCRIPT)
    oid = order()
    first = subprocess.Popen([sys.executable, str(script), gateway.url, gateway.agent_key, oid, "600"], stdout=subprocess.PIPE, text=True)
    held = approver.next_pending(lambda item: oid in item["proposal"]["action"])
    first.kill()  # SIGKILL while it waits: nothing of it survives but the gateway's record
    first.wait()
    approver.decide(held["id"], "approve")
    second = subprocess.run([sys.executable, str(script), gateway.url, gateway.agent_key, oid, "30"], capture_output=True,
                            text=True, timeout=HANG)
    assert f"EXECUTED {oid}" in second.stdout, second.stdout + second.stderr
    [row] = rows_for(gateway, oid)
    assert row["id"] == held["proposal_id"] and row["outcome"] == "succeeded"
    # Run a third time: the approval was used, so this is a new call that needs its own answer.
    third = subprocess.run([sys.executable, str(script), gateway.url, gateway.agent_key, oid, "0.2"], capture_output=True,
                           text=True, timeout=HANG)
    assert "STILL PENDING" in third.stdout and "EXECUTED" not in third.stdout
    assert len(rows_for(gateway, oid)) == 2


def test_a_gateway_restart_during_the_wait_loses_nothing(fresh_gateway):
    gateway = fresh_gateway
    cs = countersign.Countersign(gateway.url, key=gateway.agent_key, agent=AGENT)
    refund, calls = refund_guard(cs, APPROVE, wait=120)
    oid = order()
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(refund, oid, 120)
        held = gateway.approver().next_pending(lambda item: oid in item["proposal"]["action"])
        gateway.stop()
        gateway.start()  # same port, same database
        gateway.approver().decide(held["id"], "approve")
        assert future.result(HANG) == f"refunded {oid}"
    assert len(rows_for(gateway, oid)) == 1 and calls == [(oid, 120)]


async def test_async_guard_paths(gateway, approver):
    async with countersign.AsyncCountersign(gateway.url, key=gateway.agent_key, agent=AGENT) as acs:
        ran = []

        @acs.guard(operation="refund", confidence=lambda confidence: confidence, action="Refund {order}")
        async def refund(order: str, confidence: float) -> str:
            ran.append(order)
            return "ok"

        auto, held_order, escalated = order(), order(), order()
        assert await refund(auto, AUTO) == "ok"
        with pytest.raises(Escalated):
            await refund(escalated, ESCALATE)
        task = asyncio.ensure_future(refund(held_order, APPROVE))
        held = await asyncio.to_thread(approver.next_pending, lambda item: held_order in item["proposal"]["action"])
        await asyncio.to_thread(approver.decide, held["id"], "reject", "no")
        with pytest.raises(Rejected) as raised:
            await task
        assert raised.value.comment == "no" and ran == [auto]


async def test_cancelling_an_async_wait(gateway, approver):
    async with countersign.AsyncCountersign(gateway.url, key=gateway.agent_key, agent=AGENT) as acs:
        verdict = await acs.propose("refund", APPROVE, "Refund " + order())
        task = asyncio.ensure_future(acs.wait(verdict.approval.id, timeout=600))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await acs.approval(verdict.approval.id)).status is countersign.ApprovalStatus.PENDING


def test_guard_refuses_the_wrong_kind_of_function(cs, gateway):
    async def coroutine() -> None: ...

    with pytest.raises(TypeError):
        cs.guard(operation="refund", confidence=AUTO)(coroutine)
    with pytest.raises(TypeError):
        countersign.AsyncCountersign(gateway.url, key="k" * 20).guard(operation="refund", confidence=AUTO)(lambda: None)
