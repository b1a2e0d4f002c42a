"""A LangChain 1.x agent whose `refund` tool is gated by Countersign: `python examples/langchain_agent.py`.

Needs `pip install 'countersign[langchain]'` and a gateway (see python_guard.py for the variables).
The model here is LangChain's fake chat model scripted to call the tool, so the example runs
without an LLM; put your own model (`init_chat_model("openai:gpt-5")`…) in its place.
"""

import sys
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool

from countersign import Countersign
from countersign.langchain import CountersignMiddleware

order = sys.argv[1] if len(sys.argv) > 1 else "A-1042"


@tool
def refund(order: str, amount: float) -> str:
    """Refund an order."""
    return f"refunded {order}"


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools: Any, **kwargs: Any) -> "ScriptedModel":
        return self


model = ScriptedModel(messages=iter([
    AIMessage(content="", tool_calls=[{"name": "refund", "args": {"order": order, "amount": 120}, "id": "call-1"}]),
    AIMessage(content="I have handled your refund request."),
]))

agent = create_agent(model, tools=[refund], middleware=[
    CountersignMiddleware(Countersign(), confidence=0.9,
                          tools={"refund": {"amount": lambda amount: amount, "action": "Refund order {order}"}}),
])
result = agent.invoke({"messages": [{"role": "user", "content": f"Please refund order {order}"}]})
for message in result["messages"]:
    if message.type == "tool":
        print("tool:", message.content)
print("agent:", result["messages"][-1].content)
