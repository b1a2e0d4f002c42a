"""CrewAI: ``before_tool_call`` / ``after_tool_call`` hooks that gate tool calls through Countersign.

>>> hooks = CountersignToolHooks(Countersign(), tools={"refund": {"amount": lambda amount: amount}}, confidence=0.9)
>>> hooks.register()            # global hooks: every crew's agents; or pass hooks.before / hooks.after yourself

``before`` proposes a gated call (the tool's name as the operation unless ``operation=`` says
otherwise); ``auto``/``notify`` let it run, ``approve`` waits for a human and lets it run once
approved (consuming the approval, bound to the call), anything else blocks it. ``after`` reports
the outcome of a call that ran, and for a blocked call replaces CrewAI's "Tool execution blocked
by hook" with what happened and why (the approver's reason, the fallback), which is what the agent
reads. Requires ``crewai>=1.0`` (``pip install 'countersign[crewai]'``).
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Mapping, Optional, Tuple

from ._adapters import ToolOptions, default_confidence, not_executed_text, tool_specs
from ._binding import canonical_json
from ._client import Countersign
from ._core import Ops
from ._errors import NotExecuted

__all__ = ["CountersignToolHooks"]


class CountersignToolHooks:
    """The two hooks for the tools named in ``tools`` (name → ``True`` or ``guard`` options)."""

    def __init__(self, client: Optional[Countersign] = None, *, tools: Mapping[str, ToolOptions], confidence: Optional[float] = None,
                 wait: float = 300.0) -> None:
        self.client = client or Countersign()
        self._specs = tool_specs(tools, "crewai", {"wait": wait, **default_confidence(confidence)})
        self._running: Dict[Tuple[int, str], Ops] = {}
        self._blocked: Dict[Tuple[int, str], str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(context: Any) -> Tuple[int, str]:
        return threading.get_ident(), context.tool_name + canonical_json(dict(context.tool_input or {}))

    def before(self, context: Any) -> Optional[bool]:
        """CrewAI's ``before_tool_call``: None lets an ungated or allowed call run, False blocks it."""
        spec = self._specs.get(context.tool_name)
        if spec is None:
            return None
        ops = self.client._core.guarded(spec.call(dict(context.tool_input or {}), None))
        try:
            done, _ = self.client._advance(ops)
        except NotExecuted as error:
            ops.close()
            with self._lock:
                self._blocked[self._key(context)] = not_executed_text(context.tool_name, error)
            return False
        with self._lock:
            self._running[self._key(context)] = ops
        return None

    def after(self, context: Any) -> Optional[str]:
        """CrewAI's ``after_tool_call``: reports the outcome of a call that ran; for a call this gate
        blocked, returns the text the agent reads instead."""
        key = self._key(context)
        with self._lock:
            ops = self._running.pop(key, None)
            blocked = self._blocked.pop(key, None)
        if blocked is not None:
            return blocked
        if ops is not None:
            try:
                self.client._advance(ops, send=context.raw_tool_result)  # reports succeeded
            finally:
                ops.close()
        return None

    def register(self) -> "CountersignToolHooks":
        """Registers both hooks globally (``register_before_tool_call_hook`` and its ``after`` twin)."""
        from crewai.hooks import register_after_tool_call_hook, register_before_tool_call_hook

        register_before_tool_call_hook(self.before)
        register_after_tool_call_hook(self.after)
        return self

    def unregister(self) -> None:
        """Removes the hooks ``register`` added."""
        from crewai.hooks import unregister_after_tool_call_hook, unregister_before_tool_call_hook

        unregister_before_tool_call_hook(self.before)
        unregister_after_tool_call_hook(self.after)
