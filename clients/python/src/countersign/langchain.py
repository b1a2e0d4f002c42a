"""LangChain 1.x: an ``AgentMiddleware`` for ``create_agent`` that gates tool calls through
Countersign, where ``HumanInTheLoopMiddleware`` would interrupt the graph.

>>> from countersign import Countersign
>>> from countersign.langchain import CountersignMiddleware
>>> agent = create_agent(model, tools=[refund, lookup],
...     middleware=[CountersignMiddleware(Countersign(), tools={"refund": {"amount": lambda amount: amount}}, confidence=0.9)])

Each gated call is proposed with the tool's name as the operation (or ``operation=``) and the
call's arguments; the gateway's policy decides. ``auto``/``notify`` run at once; ``approve`` waits
(durably: a restarted agent making the same call reattaches to the same approval) and runs after
a human approves; anything else returns a ``ToolMessage`` (status ``error``) telling the model the
call was not executed, with the approver's reason. No checkpointer is needed. Requires
``langchain>=1.0`` (``pip install 'countersign[langchain]'``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping, Optional, Union

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import ToolMessage

from ._adapters import ToolOptions, default_confidence, not_executed_text, tool_specs
from ._client import AsyncCountersign, Countersign
from ._errors import NotExecuted

__all__ = ["CountersignMiddleware"]


def _failed(result: Any) -> bool:
    return isinstance(result, ToolMessage) and result.status == "error"


class CountersignMiddleware(AgentMiddleware):
    """Gates the tool calls named in ``tools`` (name → ``True`` or ``guard`` options such as
    ``operation``, ``confidence``, ``amount``, ``subject``, ``action``, ``fallback``, ``timeout``,
    ``wait``; callables take the tool's arguments by name). Ungated tools run untouched."""

    def __init__(self, client: Union[Countersign, AsyncCountersign, None] = None, *, tools: Mapping[str, ToolOptions],
                 confidence: Optional[float] = None, wait: float = 300.0) -> None:
        super().__init__()
        self._sync = client if isinstance(client, Countersign) else None
        self._async = client if isinstance(client, AsyncCountersign) else None
        if client is None:
            self._sync = Countersign()
        self._specs = tool_specs(tools, "langchain", {"wait": wait, **default_confidence(confidence)})

    @property
    def name(self) -> str:
        return "CountersignMiddleware"

    def _answer(self, request: Any, error: NotExecuted) -> ToolMessage:
        call = request.tool_call
        return ToolMessage(content=not_executed_text(call["name"], error), name=call["name"], tool_call_id=call["id"], status="error")

    def wrap_tool_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        spec = self._specs.get(request.tool_call["name"])
        if spec is None:
            return handler(request)
        if self._sync is None:
            raise RuntimeError("CountersignMiddleware was given an AsyncCountersign: run the agent with ainvoke/astream")
        box: dict = {}

        def execute(step: Any) -> Any:
            # (Issue 17) when a human edits the call, the edited arguments replace the model's here.
            result = handler(request)
            box["result"] = result
            if _failed(result):
                raise ToolAnsweredWithError()
            return result

        try:
            return self._sync.guarded_call(spec, request.tool_call.get("args") or {}, execute)
        except ToolAnsweredWithError:
            return box["result"]
        except NotExecuted as error:
            return self._answer(request, error)

    async def awrap_tool_call(self, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        spec = self._specs.get(request.tool_call["name"])
        if spec is None:
            return await handler(request)
        if self._async is None:
            assert self._sync is not None
            self._async = self._sync.asynchronous()
        box: dict = {}

        async def execute(step: Any) -> Any:
            result = await handler(request)
            box["result"] = result
            if _failed(result):
                raise ToolAnsweredWithError()
            return result

        try:
            return await self._async.guarded_call(spec, request.tool_call.get("args") or {}, execute)
        except ToolAnsweredWithError:
            return box["result"]
        except NotExecuted as error:
            return self._answer(request, error)


class ToolAnsweredWithError(Exception):
    """The tool answered with an error message: reported as ``failed``, and the message goes back as it is."""
