"""An OpenAI Agents SDK agent whose `refund` tool is gated by Countersign: `python examples/openai_agents_run.py`.

Needs `pip install 'countersign[openai-agents]'` and a gateway (see python_guard.py for the
variables). The model is the SDK's own `agents.testing.ScriptedModel`, so the example runs without
an LLM; give the Agent your model instead.
"""

import asyncio
import sys

from agents import Agent, Runner, function_tool, set_tracing_disabled
from agents.testing import ScriptedModel, assistant_message, function_call

from countersign import AsyncCountersign
from countersign.openai_agents import CountersignApprovals

order = sys.argv[1] if len(sys.argv) > 1 else "A-1042"
set_tracing_disabled(True)


@function_tool
def refund(order: str, amount: float) -> str:
    """Refund an order."""
    return f"refunded {order}"


async def main() -> None:
    approvals = CountersignApprovals(AsyncCountersign(), confidence=0.9)
    approvals.gate(refund, amount=lambda amount: amount, action="Refund order {order}")
    model = ScriptedModel([[function_call("refund", {"order": order, "amount": 120}, call_id="call-" + order)],
                           [assistant_message("I have handled your refund request.")]])
    agent = Agent(name="support", instructions="Refund orders when asked.", model=model, tools=[refund])
    result = await Runner.run(agent, f"Please refund order {order}")
    while result.interruptions:  # held by the policy: Countersign's human answers, then the run resumes
        result = await Runner.run(agent, await approvals.resolve(result))
    for item in result.new_items:
        if item.type == "tool_call_output_item":
            print("tool:", item.output)
    print("agent:", result.final_output)


asyncio.run(main())
