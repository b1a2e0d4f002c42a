"""The OpenAI Agents SDK: a real ``Runner`` run, driven by the SDK's own ``agents.testing``
``ScriptedModel``, with one function tool gated by ``CountersignApprovals``."""

from __future__ import annotations

import asyncio
import uuid

import pytest

pytest.importorskip("agents")

from agents import Agent, Runner, function_tool, set_tracing_disabled  # noqa: E402
from agents.testing import ScriptedModel, assistant_message, function_call  # noqa: E402

import countersign  # noqa: E402
from countersign.openai_agents import CountersignApprovals  # noqa: E402
from gateway import AGENT  # noqa: E402

set_tracing_disabled(True)  # no trace export: the tests reach nothing but the local gateway


def make_agent(approvals: CountersignApprovals, order_id: str, executed: list) -> Agent:
    @function_tool
    def refund(order: str, amount: float) -> str:
        """Refund an order."""
        executed.append((order, amount))
        return f"refunded {order}"

    approvals.gate(refund, amount=lambda amount: amount, action="Refund {order}")
    model = ScriptedModel([
        [function_call("refund", {"order": order_id, "amount": 120}, call_id="call-" + order_id)],
        [assistant_message("done")],
    ])
    return Agent(name="support", instructions="Refund when asked.", model=model, tools=[refund])


async def run_to_the_end(agent: Agent, approvals: CountersignApprovals):
    result = await Runner.run(agent, "Refund my order")
    interrupted = bool(result.interruptions)
    while result.interruptions:
        result = await Runner.run(agent, await approvals.resolve(result))
    return result, interrupted


@pytest.fixture
async def acs(gateway):
    async with countersign.AsyncCountersign(gateway.url, key=gateway.agent_key, agent=AGENT) as client:
        yield client


async def test_auto_runs_without_an_interruption_and_reports_the_outcome(acs, gateway):
    approvals = CountersignApprovals(acs, confidence=0.995)
    order_id, executed = "O-" + uuid.uuid4().hex[:8], []
    result, interrupted = await run_to_the_end(make_agent(approvals, order_id, executed), approvals)
    assert not interrupted and executed == [(order_id, 120)] and result.final_output == "done"
    [row] = [r for r in gateway.proposals() if order_id in gateway.approver().proposal(r["id"])["proposal"]["action"]]
    assert (row["level"], row["outcome"]) == ("auto", "succeeded")


@pytest.mark.parametrize("decision", ["approve", "reject"])
async def test_a_held_call_interrupts_the_run_and_the_humans_answer_resolves_it(acs, approver, decision):
    approvals = CountersignApprovals(acs, confidence=0.9)
    order_id, executed = "O-" + uuid.uuid4().hex[:8], []
    agent = make_agent(approvals, order_id, executed)
    run = asyncio.ensure_future(run_to_the_end(agent, approvals))
    held = await asyncio.to_thread(approver.next_pending, lambda item: order_id in item["proposal"]["action"])
    assert held["proposal"]["context"]["call"]["call_id"] == "call-" + order_id
    await asyncio.to_thread(approver.decide, held["id"], decision, "not this one" if decision == "reject" else None)
    result, interrupted = await asyncio.wait_for(run, 60)
    assert interrupted and result.final_output == "done"
    view = await asyncio.to_thread(approver.proposal, held["proposal_id"])
    if decision == "approve":
        assert executed == [(order_id, 120)]
        assert view["approval"]["consumed_at"] and view["outcome"]["outcome"] == "succeeded"
    else:
        assert executed == []
        tool_outputs = [str(item.output) for item in result.new_items if getattr(item, "type", "") == "tool_call_output_item"]
        assert any("rejected" in text and "not this one" in text for text in tool_outputs), tool_outputs


async def test_an_escalated_call_is_rejected_at_once(acs):
    approvals = CountersignApprovals(acs, confidence=0.5, wait=3600)
    order_id, executed = "O-" + uuid.uuid4().hex[:8], []
    result, interrupted = await asyncio.wait_for(run_to_the_end(make_agent(approvals, order_id, executed), approvals), 60)
    assert interrupted and executed == [] and result.final_output == "done"
