"""``guard``: what a guarded call proposes, and the idempotency key derived from the call."""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from ._binding import call_binding, canonical_json
from ._core import GuardedCall
from ._models import amount_text

__all__ = ["GuardSpec", "bound_arguments"]

#: The proposal members a guard takes, each a constant or a function of the call's arguments.
_MEMBERS = (
    "confidence",
    "action",
    "amount",
    "currency",
    "reference_amount",
    "subject",
    "reasoning",
    "impact",
    "messages",
    "context",
    "fallback",
    "timeout",
)


def bound_arguments(function: Callable[..., Any], args: tuple, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """The call's arguments by parameter name, defaults applied (``self``/``cls`` of a method kept)."""
    signature = inspect.signature(function)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments: Dict[str, Any] = {}
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)
        else:
            arguments[name] = list(value) if kind is inspect.Parameter.VAR_POSITIONAL else value
    return arguments


def _json_safe(value: Any) -> Any:
    """A JSON value for the approver to see (what the binding covers, in readable form)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return json.loads(canonical_json(bytes(value)))
    return str(value)


def _evaluate(value: Any, arguments: Mapping[str, Any]) -> Any:
    """A constant, or a function called with the call's arguments it names (all, with ``**kwargs``)."""
    if not callable(value):
        return value
    try:
        parameters = inspect.signature(value).parameters
    except (TypeError, ValueError):
        return value(**arguments)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return value(**arguments)
    return value(**{name: arguments[name] for name in parameters if name in arguments})


@dataclass(frozen=True)
class GuardSpec:
    """What ``guard(...)`` was given. Every proposal member is a constant or a function of the call's
    arguments (``amount=lambda order, amount: amount``); ``action`` may also be a format string
    (``"Refund {order}"``)."""

    operation: str
    confidence: Any
    action: Any = None
    amount: Any = None
    currency: Any = None
    reference_amount: Any = None
    subject: Any = None
    reasoning: Any = None
    impact: Any = None
    messages: Any = None
    context: Any = None
    fallback: Any = None
    #: The proposal's ``timeout`` (how long the approval may wait for a human): seconds or "30m".
    timeout: Any = None
    #: How long this call waits for a human before raising ``StillPending``, in seconds.
    wait: float = 300.0
    #: The binding's upstream and tool (default: the function's module and qualified name).
    upstream: Optional[str] = None
    tool: Optional[str] = None
    #: Consume the approval (bound to this very call) right before executing.
    consume: bool = True
    #: Report ``succeeded`` / ``failed`` after executing.
    report_outcome: bool = True
    #: What to do instead of raising ``NotExecuted``: a function of the exception whose value is returned.
    on_not_executed: Optional[Callable[[Any], Any]] = None
    #: The outcome detail of a failed call (default: the exception's type name; messages may hold secrets).
    failure_detail: Callable[[BaseException], str] = field(default=lambda error: type(error).__name__)
    agent: Optional[str] = None

    def call(self, arguments: Mapping[str, Any], function: Optional[Callable[..., Any]] = None,
             call_id: Optional[str] = None) -> GuardedCall:
        """The proposal for one call with these arguments (``call_id``: a framework's id of the
        tool call, when it names the call better than its arguments do)."""
        upstream = self.upstream or (getattr(function, "__module__", None) or "python")
        tool = self.tool or (getattr(function, "__qualname__", None) or self.operation)
        binding = call_binding(upstream, tool, arguments)
        values = {name: _evaluate(getattr(self, name), arguments) for name in _MEMBERS}
        action = self.action
        if isinstance(action, str):
            values["action"] = action.format(**arguments) if "{" in action else action
        if not values["action"]:
            values["action"] = f"Call {tool}({canonical_json(_json_safe(dict(arguments)))[1:-1]})"
        confidence = values["confidence"]
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            raise TypeError("guard: confidence must be a number in 0…1 (or a function of the call's arguments returning one)")
        context = dict(values["context"] or {})
        context.setdefault("call", {"upstream": upstream, "tool": tool, "arguments": _json_safe(dict(arguments))})
        if call_id is not None:
            context["call"] = {**context["call"], "call_id": call_id}
        context["binding"] = binding
        body: Dict[str, Any] = {
            "agent": self.agent,
            "operation": self.operation,
            "confidence": float(confidence),
            "action": str(values["action"]),
            "amount": amount_text(values["amount"]),
            "currency": values["currency"],
            "reference_amount": amount_text(values["reference_amount"]),
            "subject": None if values["subject"] is None else str(values["subject"]),
            "reasoning": values["reasoning"],
            "impact": values["impact"],
            "messages": values["messages"],
            "context": context,
            "fallback": values["fallback"],
            "timeout": values["timeout"],
        }
        body = {key: value for key, value in body.items() if value is not None}
        # The key's stable part names the exact call and the rest of the proposal: a retry of the
        # same call (in this process or after a restart) is the same proposal, while the same call
        # with another confidence or amount is another proposal, not a refused reuse of the key.
        digest = hashlib.sha256(canonical_json(body).encode("utf-8", "surrogatepass")).hexdigest()
        return GuardedCall(
            body=body,
            base_key=f"guard/{binding[:32]}/{digest[:16]}",
            binding=binding,
            wait=float(self.wait),
            consume=self.consume,
            report_outcome=self.report_outcome,
            failure_detail=self.failure_detail,
            new_after_use=call_id is None,
        )
