"""What the framework adapters share: which tools are gated and how, and the words the model gets
back when a call was not executed."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Union

from ._errors import Escalated, Expired, NotExecuted, Rejected, StillPending, TakenOver
from ._guard import GuardSpec

ToolOptions = Union[bool, Mapping[str, Any]]


def tool_specs(tools: Mapping[str, ToolOptions], upstream: str, defaults: Mapping[str, Any]) -> Dict[str, GuardSpec]:
    """One ``GuardSpec`` per gated tool. ``True`` gates a tool with the defaults; a mapping names
    ``guard`` options (``operation`` defaults to the tool's name, ``confidence`` to the adapter's)."""
    specs: Dict[str, GuardSpec] = {}
    for name, options in tools.items():
        if options is False:
            continue
        merged: Dict[str, Any] = {"operation": name, **defaults, **({} if options is True else dict(options))}
        if "confidence" not in merged:
            raise ValueError(f"tool {name!r}: give a confidence (the adapter's confidence= or the tool's own)")
        merged.setdefault("upstream", upstream)
        merged.setdefault("tool", name)
        specs[name] = GuardSpec(**merged)
    return specs


def not_executed_text(tool: str, error: NotExecuted) -> str:
    """What the model is told instead of the tool's result (the approver's comment included)."""
    comment = f" with reason: {error.comment}" if error.comment else ""
    fallback = f" Fallback: {error.fallback}" if error.fallback else ""
    if isinstance(error, Rejected):
        return f"A human rejected the tool call `{tool}`{comment}. The tool was not executed; do not retry it unless asked.{fallback}"
    if isinstance(error, TakenOver):
        return f"A human took over the tool call `{tool}`{comment}: they handle it. The tool was not executed.{fallback}"
    if isinstance(error, Expired):
        return f"Nobody approved the tool call `{tool}` before its deadline. The tool was not executed.{fallback}"
    if isinstance(error, Escalated):
        return f"The tool call `{tool}` was escalated to a human. The tool was not executed.{fallback}"
    if isinstance(error, StillPending):
        return f"The tool call `{tool}` is still waiting for a human's approval. The tool was not executed yet.{fallback}"
    return f"The tool call `{tool}` was not executed.{fallback}"


def default_confidence(confidence: Optional[float]) -> Dict[str, Any]:
    return {} if confidence is None else {"confidence": confidence}
