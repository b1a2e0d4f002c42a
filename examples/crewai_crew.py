"""A CrewAI crew whose `refund` tool is gated by Countersign: `python examples/crewai_crew.py`.

Needs `pip install 'countersign[crewai]'` and a gateway (see python_guard.py for the variables).
The LLM is scripted (CrewAI's ReAct text format), so the example runs without a model; give the
Agent your `llm=` instead.
"""

import os
import sys
from typing import Any, List

os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

from crewai import Agent, BaseLLM, Crew, Task  # noqa: E402
from crewai.tools import tool  # noqa: E402

from countersign import Countersign  # noqa: E402
from countersign.crewai import CountersignToolHooks  # noqa: E402

order = sys.argv[1] if len(sys.argv) > 1 else "A-1042"


class ScriptedLLM(BaseLLM):
    script: List[str] = []

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> str:
        return self.script.pop(0) if self.script else "Thought: done\nFinal Answer: done"

    def supports_function_calling(self) -> bool:
        return False


@tool("refund")
def refund(order: str, amount: float) -> str:
    """Refund an order."""
    return f"refunded {order}"


CountersignToolHooks(Countersign(), confidence=0.9,
                     tools={"refund": {"amount": lambda amount: amount, "action": "Refund order {order}"}}).register()

llm = ScriptedLLM(model="scripted", script=[
    f'Thought: I refund it\nAction: refund\nAction Input: {{"order": "{order}", "amount": 120}}',
    "Thought: I now know the final answer\nFinal Answer: I have handled your refund request.",
])
agent = Agent(role="support", goal="refund orders", backstory="a support agent", llm=llm, tools=[refund])
task = Task(description=f"Refund order {order}", expected_output="what was done", agent=agent)
print("crew:", Crew(agents=[agent], tasks=[task]).kickoff())
