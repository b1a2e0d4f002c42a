"""The OpenAI Agents SDK: a ``needs_approval`` policy backed by Countersign, and a helper that
resolves a run's interruptions from Countersign's answers.

>>> approvals = CountersignApprovals(AsyncCountersign(), confidence=0.9)
>>> refund = approvals.gate(refund_tool, amount=lambda amount: amount)     # sets needs_approval
>>> result = await Runner.run(agent, "Refund A-1")
>>> while result.interruptions:
...     result = await Runner.run(agent, await approvals.resolve(result))

``needs_approval`` proposes the call: ``auto``/``notify`` verdicts run without interrupting the
run; ``approve``/``escalate`` interrupt it. ``resolve`` waits for each interrupted call's human
answer (long polls; an escalated call is answered at once), consumes an approval bound to the call,
and calls ``RunState.approve`` or ``RunState.reject`` with a message that carries the approver's
reason. A tool call is named by its ``call_id``: resuming the same run (even from a serialized
``RunState`` in another process) reattaches to the same proposal. ``gate`` also reports each
gated call's outcome after the tool runs. Requires ``openai-agents`` (``pip install
'countersign[openai-agents]'``).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable, Dict, Optional, Union

from ._adapters import default_confidence, not_executed_text, tool_specs
from ._client import AsyncCountersign, Countersign
from ._errors import APIError, CountersignError, NotExecuted
from ._guard import GuardSpec
from ._models import Outcome

__all__ = ["CountersignApprovals"]


def _arguments(raw: Any) -> Dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class CountersignApprovals:
    """Countersign's answers for an OpenAI Agents SDK run."""

    def __init__(self, client: Union[AsyncCountersign, Countersign, None] = None, *, confidence: Optional[float] = None,
                 wait: float = 300.0) -> None:
        if isinstance(client, Countersign):
            client = client.asynchronous()
        self.client: AsyncCountersign = client or AsyncCountersign()
        self._defaults = {"wait": wait, **default_confidence(confidence)}
        self._specs: Dict[str, GuardSpec] = {}

    def needs_approval(self, tool: str, **options: Any) -> Callable[..., Any]:
        """The ``needs_approval`` callable for the function tool named ``tool`` (``guard`` options:
        ``operation`` (default: the tool's name), ``confidence``, ``amount``, ``subject``, ``action``…;
        callables take the tool's arguments by name)."""
        spec = tool_specs({tool: options or True}, "openai-agents", self._defaults)[tool]
        self._specs[tool] = spec

        async def needs_approval(run_context: Any, arguments: Dict[str, Any], call_id: str) -> bool:
            call = spec.call(arguments, None, call_id=call_id)
            verdict = await self.client._run(self.client._core.propose_call(call))
            return not verdict.level.executes_at_once

        return needs_approval

    def gate(self, function_tool: Any, **options: Any) -> Any:
        """Gates a ``FunctionTool`` (from ``@function_tool``): sets its ``needs_approval`` and reports
        each call's outcome after it runs. Returns the tool."""
        name = function_tool.name
        function_tool.needs_approval = self.needs_approval(name, **options)
        invoke = function_tool.on_invoke_tool
        spec = self._specs[name]

        async def on_invoke_tool(context: Any, raw_arguments: str) -> Any:
            call = spec.call(_arguments(raw_arguments), None, call_id=getattr(context, "tool_call_id", None))
            try:
                result = await invoke(context, raw_arguments)
            except Exception as error:
                await self._report(call, Outcome.FAILED, type(error).__name__)
                raise
            await self._report(call, Outcome.SUCCEEDED, None)
            return result

        function_tool.on_invoke_tool = on_invoke_tool
        return function_tool

    async def _report(self, call: Any, outcome: Outcome, detail: Optional[str]) -> None:
        try:
            verdict = await self.client._run(self.client._core.propose_call(call))
            await self.client.report_outcome(verdict.proposal_id, outcome, detail)
        except CountersignError:
            pass  # an outcome that cannot be reported never hides the tool's result

    async def resolve(self, result_or_state: Any) -> Any:
        """Answers every interruption of a run whose tool is gated here, and returns the ``RunState``
        to resume with ``Runner.run(agent, state)``. Approved calls are approved (their approval,
        bound to the call, consumed); every other answer rejects the call with a message for the
        model (the approver's reason, the fallback). A call still pending after ``wait`` is left
        interrupted: resolve again later. Interruptions of tools not gated here are left alone."""
        state = result_or_state.to_state() if hasattr(result_or_state, "to_state") else result_or_state
        for item in state.get_interruptions():
            name = item.tool_name or getattr(item.raw_item, "name", None)
            spec = self._specs.get(name or "")
            if spec is None:
                continue
            raw = item.raw_item
            arguments = _arguments(raw.get("arguments") if isinstance(raw, dict) else getattr(raw, "arguments", None))
            call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
            call = dataclasses.replace(spec.call(arguments, None, call_id=call_id), report_outcome=False)

            async def allowed(step: Any) -> bool:
                return True

            try:
                await self.client.guarded_call_for(call, allowed)
            except NotExecuted as error:
                if error.reason == "still_pending":
                    continue
                state.reject(item, rejection_message=not_executed_text(name, error))
                continue
            except APIError as error:
                state.reject(item, rejection_message=f"The approval of `{name}` could not be used ({error.code}); the tool was not executed.")
                continue
            state.approve(item)
        return state
