"""Countersign for Python agents: propose actions, wait for humans, run only what is allowed.

>>> from countersign import Countersign, Rejected
>>> cs = Countersign()          # COUNTERSIGN_URL, COUNTERSIGN_KEY, COUNTERSIGN_AGENT
>>> @cs.guard(operation="refund", confidence=0.9, amount=lambda amount: amount, action="Refund {order}")
... def refund(order: str, amount: float) -> str: ...

Docs: docs/clients/python.md in the project. Adapters: ``countersign.langchain``,
``countersign.openai_agents``, ``countersign.crewai`` (each needs its framework installed).
"""

from ._binding import call_binding, canonical_json
from ._client import AsyncCountersign, AsyncGuard, Countersign, Guard
from ._errors import (
    APIError,
    Conflict,
    CountersignError,
    Escalated,
    Expired,
    Forbidden,
    Invalid,
    InvalidRequest,
    InvalidResponse,
    MethodNotAllowed,
    NetworkError,
    NotExecuted,
    NotFound,
    PayloadTooLarge,
    Rejected,
    ServerError,
    StillPending,
    TakenOver,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    WebhookVerificationError,
)
from ._models import Approval, ApprovalStatus, HeldApproval, Level, Outcome, ProposalRecord, Reason, Verdict
from ._retry import RetryPolicy
from ._webhook import sign_webhook, verify_webhook

__version__ = "0.1.0"

__all__ = [
    "Countersign", "AsyncCountersign", "Guard", "AsyncGuard", "RetryPolicy",
    "Verdict", "HeldApproval", "Approval", "ProposalRecord", "Reason", "Level", "ApprovalStatus", "Outcome",
    "CountersignError", "NetworkError", "InvalidResponse", "APIError", "InvalidRequest", "Unauthorized", "Forbidden",
    "NotFound", "MethodNotAllowed", "Conflict", "PayloadTooLarge", "TooManyRequests", "Invalid", "ServerError", "Unavailable",
    "NotExecuted", "Escalated", "Rejected", "TakenOver", "Expired", "StillPending",
    "WebhookVerificationError", "verify_webhook", "sign_webhook", "call_binding", "canonical_json",
]
