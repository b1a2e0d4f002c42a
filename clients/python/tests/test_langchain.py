"""LangChain 1.x: a real ``create_agent`` agent, driven by LangChain's own fake chat model, with
one tool gated by ``CountersignMiddleware``; decisions come from an approver over HTTP."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

pytest.importorskip("langchain")

from langchain.agents import create_agent  # noqa: E402
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402

import countersign  # noqa: E402
from countersign.langchain import CountersignMiddleware  # noqa: E402
from gateway import AGENT  # noqa: E402


class ScriptedChat(GenericFakeChatModel):
    """LangChain's fake chat model, answering from a script; tools are accepted and ignored."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> "ScriptedChat":
        return self


def make_agent(cs, confidence: float, order_id: str, executed: list):
    @tool
    def refund(order: str, amount: float) -> str:
        """Refund an order."""
        executed.append((order, amount))
        return f"refunded {order}"

    @tool
    def lookup(order: str) -> str:
        """Look an order up."""
        return f"{order}: delivered"

    model = ScriptedChat(messages=iter([
        AIMessage(content="", tool_calls=[{"name": "lookup", "args": {"order": order_id}, "id": "call-1"},
                                          {"name": "refund", "args": {"order": order_id, "amount": 120}, "id": "call-2"}]),
        AIMessage(content="done"),
    ]))
    middleware = CountersignMiddleware(cs, tools={"refund": {"amount": lambda amount: amount, "action": "Refund {order}"}},
                                       confidence=confidence)
    return create_agent(model, tools=[refund, lookup], middleware=[middleware])


def tool_messages(result) -> dict:
    return {m.tool_call_id: m for m in result["messages"] if isinstance(m, ToolMessage)}


def test_an_approved_call_runs_and_a_rejected_one_tells_the_model_why(cs, approver, gateway):
    for decision in ("approve", "reject"):
        order_id, executed = "L-" + uuid.uuid4().hex[:8], []
        agent = make_agent(cs, 0.9, order_id, executed)
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(agent.invoke, {"messages": [{"role": "user", "content": f"refund {order_id}"}]})
            held = approver.next_pending(lambda item: order_id in item["proposal"]["action"])
            assert held["proposal"]["operation"] == "refund" and held["proposal"]["amount"] == 120
            approver.decide(held["id"], decision, "customer already refunded" if decision == "reject" else None)
            result = future.result(60)
        messages = tool_messages(result)
        assert messages["call-1"].content == f"{order_id}: delivered"  # ungated: untouched
        if decision == "approve":
            assert executed == [(order_id, 120)] and messages["call-2"].content == f"refunded {order_id}"
            assert approver.proposal(held["proposal_id"])["outcome"]["outcome"] == "succeeded"
        else:
            assert executed == [] and messages["call-2"].status == "error"
            assert "rejected" in messages["call-2"].content and "customer already refunded" in messages["call-2"].content
        assert result["messages"][-1].content == "done"


def test_auto_runs_at_once_and_escalate_never_runs(cs):
    order_id, executed = "L-" + uuid.uuid4().hex[:8], []
    make_agent(cs, 0.995, order_id, executed).invoke({"messages": [{"role": "user", "content": "go"}]})
    assert executed == [(order_id, 120)]
    executed.clear()
    result = make_agent(cs, 0.5, order_id, executed).invoke({"messages": [{"role": "user", "content": "go"}]})
    assert executed == [] and "escalated" in tool_messages(result)["call-2"].content


async def test_the_async_agent(gateway):
    async with countersign.AsyncCountersign(gateway.url, key=gateway.agent_key, agent=AGENT) as acs:
        order_id, executed = "L-" + uuid.uuid4().hex[:8], []
        result = await make_agent(acs, 0.995, order_id, executed).ainvoke({"messages": [{"role": "user", "content": "go"}]})
        assert executed == [(order_id, 120)] and tool_messages(result)["call-2"].content == f"refunded {order_id}"
