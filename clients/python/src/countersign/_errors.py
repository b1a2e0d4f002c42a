"""Everything the client raises.

``CountersignError`` is the root. The gateway's refusals are ``APIError``s, one class per family
of error codes (by HTTP status, as docs/api.md groups them); the stable ``code`` says which one.
A code this version does not know still parses, into its status's family. Messages never
contain the agent key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Type

if TYPE_CHECKING:
    from ._models import Approval, Verdict

__all__ = [
    "CountersignError",
    "NetworkError",
    "InvalidResponse",
    "APIError",
    "InvalidRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "PayloadTooLarge",
    "Invalid",
    "ServerError",
    "Unavailable",
    "NotExecuted",
    "Escalated",
    "Rejected",
    "TakenOver",
    "Expired",
    "StillPending",
    "WebhookVerificationError",
    "api_error",
]


class CountersignError(Exception):
    """The root of every exception this package raises."""


class NetworkError(CountersignError):
    """The gateway could not be reached (or kept answering 5xx/429) through every retry."""


class InvalidResponse(CountersignError):
    """The gateway answered something this client cannot read."""


class APIError(CountersignError):
    """A refusal from the gateway: HTTP ``status``, the stable error ``code``, a ``message`` for humans."""

    def __init__(self, status: int, code: str, message: str = "") -> None:
        super().__init__(f"the gateway refused the request ({status} {code}): {message}".rstrip(": "))
        self.status = status
        self.code = code
        self.message = message


class InvalidRequest(APIError):
    """400: the body or a query parameter is malformed (``invalid_json``, ``invalid_parameter``…)."""


class Unauthorized(APIError):
    """401: no valid agent key (``unauthorized``)."""


class Forbidden(APIError):
    """403: a valid credential that may not do this (``agents_only``, ``agent_mismatch``…)."""


class NotFound(APIError):
    """404: no such proposal or approval, or another agent's (``not_found``)."""


class MethodNotAllowed(APIError):
    """405: the path exists, not with this method."""


class Conflict(APIError):
    """409: the state forbids it (``already_consumed``, ``not_approved``, ``outcome_recorded``, ``not_pending``…)."""


class PayloadTooLarge(APIError):
    """413: the body is over the gateway's limit."""


class TooManyRequests(APIError):
    """429: an agent's rate (``rate_limited``) or pending quota (``too_many_pending``) refused the
    proposal; nothing was stored. The client retries these with backoff before raising."""


class Invalid(APIError):
    """422: well-formed but not valid (``invalid_proposal``, ``idempotency_key_reused``, ``binding_mismatch``…)."""


class ServerError(APIError):
    """5xx: a fault in the gateway (``internal``); retried before it is raised."""


class Unavailable(ServerError):
    """503: the gateway's database cannot be reached right now (``store_unavailable``)."""


_FAMILIES: Dict[int, Type[APIError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    422: Invalid,
    429: TooManyRequests,
    503: Unavailable,
}

#: Every code the gateway answers with today (openapi.yaml's ErrorCode), and its family.
CODES: Dict[str, Type[APIError]] = {
    **{code: InvalidRequest for code in ("invalid_json", "invalid_parameter", "invalid_payload", "invalid_action")},
    **{code: Unauthorized for code in ("unauthorized", "missing_signature", "stale_timestamp", "bad_signature", "replayed_request")},
    **{
        code: Forbidden
        for code in ("agents_only", "approvers_only", "agent_mismatch", "not_allowed", "four_eyes", "invalid_signature", "csrf")
    },
    **{code: NotFound for code in ("not_found", "channel_not_configured")},
    "method_not_allowed": MethodNotAllowed,
    **{
        code: Conflict
        for code in (
            "not_pending", "past_deadline", "outcome_recorded", "not_dead", "not_due", "not_approved", "already_consumed",
            "unreadable_record",
        )
    },
    "payload_too_large": PayloadTooLarge,
    **{
        code: Invalid
        for code in (
            "invalid_proposal",
            "currency_mismatch",
            "idempotency_key_reused",
            "invalid_decision",
            "decision_not_offered",
            "invalid_outcome",
            "invalid_reassign",
            "unknown_approver",
            "unknown_group",
            "not_allowed_target",
            "invalid_binding",
            "binding_mismatch",
        )
    },
    **{code: TooManyRequests for code in ("rate_limited", "too_many_pending")},
    "internal": ServerError,
    "store_unavailable": Unavailable,
}


def api_error(status: int, code: Optional[str], message: str = "") -> APIError:
    """The exception for a refusal; an unknown code falls into its status's family."""
    code = code or f"http_{status}"
    family = CODES.get(code) or _FAMILIES.get(status) or (ServerError if status >= 500 else APIError)
    return family(status, code, message)


class NotExecuted(CountersignError):
    """The guarded action did not run. ``fallback`` is the safe action to take instead; ``comment``
    is the approver's, when one was given."""

    reason = "not_executed"

    def __init__(self, verdict: "Verdict", approval: Optional["Approval"] = None, fallback: Optional[str] = None) -> None:
        self.verdict = verdict
        self.approval = approval
        self.fallback = fallback
        self.comment: Optional[str] = approval.comment if approval is not None else None
        self.decided_by: Optional[str] = approval.decided_by if approval is not None else None
        super().__init__(self._sentence())

    @property
    def proposal_id(self) -> str:
        return self.verdict.proposal_id

    @property
    def approval_id(self) -> Optional[str]:
        if self.approval is not None:
            return self.approval.id
        return self.verdict.approval.id if self.verdict.approval is not None else None

    def _sentence(self) -> str:
        return f"proposal {self.verdict.proposal_id} was not executed"

    def __reduce__(self) -> Any:
        return (type(self), (self.verdict, self.approval, self.fallback))


class Escalated(NotExecuted):
    """The policy escalated the proposal: a human handles the case. Raised at once, without waiting."""

    reason = "escalated"

    def _sentence(self) -> str:
        return f"proposal {self.verdict.proposal_id} was escalated to a human"


class Rejected(NotExecuted):
    """A human rejected the proposal."""

    reason = "rejected"

    def _sentence(self) -> str:
        by = self.decided_by or "an approver"
        return f"approval {self.approval_id} was rejected by {by}" + (f": {self.comment}" if self.comment else "")


class TakenOver(NotExecuted):
    """A human took the case over: they handle it, the agent does not execute."""

    reason = "taken_over"

    def _sentence(self) -> str:
        by = self.decided_by or "an approver"
        return f"approval {self.approval_id} was taken over by {by}" + (f": {self.comment}" if self.comment else "")


class Expired(NotExecuted):
    """Nobody decided before the approval's deadline."""

    reason = "expired"

    def _sentence(self) -> str:
        return f"approval {self.approval_id} expired before anyone decided"


class StillPending(NotExecuted):
    """The wait ended while the approval was still pending; the same call later reattaches to it."""

    reason = "still_pending"

    def _sentence(self) -> str:
        return f"approval {self.approval_id} is still pending"


class WebhookVerificationError(CountersignError):
    """A webhook whose signature is missing, wrong or too old."""
