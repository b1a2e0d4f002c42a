"""CrewAI: a real Crew (one agent, one task) driven by a scripted ``BaseLLM``, with one tool gated
by ``CountersignToolHooks``; decisions come from an approver over HTTP."""

from __future__ import annotations

import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List

import pytest

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")  # the tests reach nothing but the local gateway
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
pytest.importorskip("crewai")

from crewai import Agent, BaseLLM, Crew, Task  # noqa: E402
from crewai.tools import tool  # noqa: E402

from countersign.crewai import CountersignToolHooks  # noqa: E402


class ScriptedLLM(BaseLLM):
    """Answers from a script in CrewAI's ReAct text format, and records what it was shown."""

    script: List[str] = []
    seen: List[str] = []

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> str:
        self.seen.append(json.dumps(messages, default=str))
        return self.script.pop(0) if self.script else "Thought: done\nFinal Answer: done"

    def supports_function_calling(self) -> bool:
        return False


def run_crew(order_id: str, executed: list) -> tuple:
    @tool("refund")
    def refund(order: str, amount: float) -> str:
        """Refund an order."""
        executed.append((order, amount))
        return f"refunded {order}"

    llm = ScriptedLLM(model="scripted", script=[
        f'Thought: I refund it\nAction: refund\nAction Input: {{"order": "{order_id}", "amount": 120}}',
        "Thought: I now know the final answer\nFinal Answer: done",
    ], seen=[])
    agent = Agent(role="support", goal="refund orders", backstory="a support agent", llm=llm, tools=[refund], verbose=False)
    task = Task(description=f"Refund order {order_id}", expected_output="done", agent=agent)
    result = Crew(agents=[agent], tasks=[task], verbose=False).kickoff()
    return str(result), llm.seen


@pytest.fixture
def hooks(cs):
    def make(confidence: float) -> CountersignToolHooks:
        return CountersignToolHooks(cs, tools={"refund": {"amount": lambda amount: amount, "action": "Refund {order}"}},
                                    confidence=confidence).register()

    made: list = []
    yield lambda confidence: made.append(make(confidence)) or made[-1]
    for item in made:
        item.unregister()


def test_auto_runs_and_reports_the_outcome(hooks, gateway, approver):
    hooks(0.995)
    order_id, executed = "C-" + uuid.uuid4().hex[:8], []
    result, _ = run_crew(order_id, executed)
    assert executed == [(order_id, 120)] and "done" in result
    [row] = [r for r in gateway.proposals() if order_id in approver.proposal(r["id"])["proposal"]["action"]]
    assert (row["level"], row["outcome"]) == ("auto", "succeeded")


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_held_call_waits_for_the_human(hooks, approver, decision):
    hooks(0.9)
    order_id, executed = "C-" + uuid.uuid4().hex[:8], []
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(run_crew, order_id, executed)
        held = approver.next_pending(lambda item: order_id in item["proposal"]["action"])
        assert executed == []
        approver.decide(held["id"], decision, "duplicate refund" if decision == "reject" else None)
        result, seen = future.result(120)
    if decision == "approve":
        assert executed == [(order_id, 120)]
        view = approver.proposal(held["proposal_id"])
        assert view["approval"]["consumed_at"] and view["outcome"]["outcome"] == "succeeded"
    else:
        assert executed == []
        assert any("rejected" in text and "duplicate refund" in text for text in seen)  # the agent read why
