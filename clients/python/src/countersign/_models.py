"""The API's values, as the gateway sends them (docs/api.md, openapi.yaml).

Each model keeps the JSON object it was read from in ``raw``: members this version does not know
(a newer gateway's, such as the edit and respond answers still to come) are not lost, and new
fields can be added without breaking callers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Mapping, Optional

__all__ = ["Level", "ApprovalStatus", "Outcome", "Reason", "HeldApproval", "Verdict", "Approval", "ProposalRecord"]


class Level(str, enum.Enum):
    """How much human attention a proposal needs, least to most."""

    AUTO = "auto"
    NOTIFY = "notify"
    APPROVE = "approve"
    ESCALATE = "escalate"

    @property
    def executes_at_once(self) -> bool:
        """Whether the agent may execute on the verdict alone (``auto``, ``notify``)."""
        return self in (Level.AUTO, Level.NOTIFY)


class ApprovalStatus(str, enum.Enum):
    """Where an approval stands: ``pending``, then exactly one final status."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    TAKEN_OVER = "taken_over"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        """Whether the status can no longer change."""
        return self is not ApprovalStatus.PENDING


class Outcome(str, enum.Enum):
    """What happened after an executed proposal."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ERRONEOUS = "erroneous"


class _Unreadable(ValueError):
    pass


def _get(obj: Mapping[str, Any], key: str, kind: type, required: bool = True) -> Any:
    value = obj.get(key)
    if value is None:
        if required:
            raise _Unreadable(f"missing {key}")
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _Unreadable(f"{key} has the wrong type")
    return value


def _enum(enum_type: Any, obj: Mapping[str, Any], key: str, required: bool = True) -> Any:
    value = _get(obj, key, str, required)
    if value is None:
        return None
    try:
        return enum_type(value)
    except ValueError:
        raise _Unreadable(f"{key} is not a known value") from None


def parse_time(text: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 date-time as an aware ``datetime`` (None when absent or unreadable)."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Reason:
    """One rule that raised the level: a stable ``code`` and a sentence for humans."""

    code: str
    level: Level
    detail: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Reason":
        return cls(code=_get(obj, "code", str), level=_enum(Level, obj, "level"), detail=_get(obj, "detail", str, False) or "")


def _reasons(obj: Mapping[str, Any]) -> tuple:
    items = obj.get("reasons") or []
    if not isinstance(items, list):
        raise _Unreadable("reasons is not an array")
    return tuple(Reason.from_json(item) for item in items if isinstance(item, Mapping))


@dataclass(frozen=True)
class HeldApproval:
    """The approval a held verdict carries (levels ``approve`` and ``escalate``)."""

    id: str
    status: ApprovalStatus
    deadline: Optional[datetime]
    fallback: Optional[str]

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "HeldApproval":
        return cls(
            id=_get(obj, "id", str),
            status=_enum(ApprovalStatus, obj, "status"),
            deadline=parse_time(obj.get("deadline")),
            fallback=_get(obj, "fallback", str, False),
        )


@dataclass(frozen=True)
class Verdict:
    """The gateway's answer to a proposal (``POST /v1/proposals``)."""

    proposal_id: str
    level: Level
    risk_class: str
    reasons: tuple
    approval: Optional[HeldApproval]
    #: True when the gateway had seen the idempotency key before (HTTP 200) and answered with
    #: the first proposal's verdict instead of creating a new one (HTTP 201).
    is_replay: bool = False
    #: Only in shadow mode: the level the policy chose while ``level`` holds the proposal.
    policy_level: Optional[Level] = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], is_replay: bool = False) -> "Verdict":
        approval = obj.get("approval")
        return cls(
            proposal_id=_get(obj, "proposal_id", str),
            level=_enum(Level, obj, "level"),
            risk_class=_get(obj, "risk_class", str, False) or "",
            reasons=_reasons(obj),
            approval=HeldApproval.from_json(approval) if isinstance(approval, Mapping) else None,
            is_replay=is_replay,
            policy_level=_enum(Level, obj, "policy_level", False),
            raw=obj,
        )


@dataclass(frozen=True)
class Approval:
    """The durable record of a held proposal (``GET /v1/approvals/{id}``)."""

    id: str
    proposal_id: str
    status: ApprovalStatus
    created_at: Optional[datetime] = None
    deadline: Optional[datetime] = None
    fallback: Optional[str] = None
    decided_by: Optional[str] = None
    decided_at: Optional[datetime] = None
    comment: Optional[str] = None
    level: Optional[Level] = None
    risk_class: Optional[str] = None
    reasons: tuple = ()
    #: The proposal as the gateway stored it (what the approver saw).
    proposal: Optional[Mapping[str, Any]] = None
    consumed_at: Optional[datetime] = None
    consumed_by: Optional[str] = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Approval":
        proposal = obj.get("proposal")
        return cls(
            id=_get(obj, "id", str),
            proposal_id=_get(obj, "proposal_id", str),
            status=_enum(ApprovalStatus, obj, "status"),
            created_at=parse_time(obj.get("created_at")),
            deadline=parse_time(obj.get("deadline")),
            fallback=_get(obj, "fallback", str, False),
            decided_by=_get(obj, "decided_by", str, False),
            decided_at=parse_time(obj.get("decided_at")),
            comment=_get(obj, "comment", str, False),
            level=_enum(Level, obj, "level", False),
            risk_class=_get(obj, "risk_class", str, False),
            reasons=_reasons(obj),
            proposal=proposal if isinstance(proposal, Mapping) else None,
            consumed_at=parse_time(obj.get("consumed_at")),
            consumed_by=_get(obj, "consumed_by", str, False),
            raw=obj,
        )


@dataclass(frozen=True)
class ProposalRecord:
    """A stored proposal (``GET /v1/proposals/{id}``): verdict, approval when held, outcome once reported."""

    proposal_id: str
    level: Level
    proposal: Optional[Mapping[str, Any]]
    approval: Optional[Approval]
    outcome: Optional[Outcome]
    created_at: Optional[datetime] = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "ProposalRecord":
        approval = obj.get("approval")
        outcome = obj.get("outcome")
        proposal = obj.get("proposal")
        return cls(
            proposal_id=_get(obj, "proposal_id", str),
            level=_enum(Level, obj, "level"),
            proposal=proposal if isinstance(proposal, Mapping) else None,
            approval=Approval.from_json({"proposal_id": obj.get("proposal_id"), **approval}) if isinstance(approval, Mapping) else None,
            outcome=_enum(Outcome, outcome, "outcome", False) if isinstance(outcome, Mapping) else None,
            created_at=parse_time(obj.get("created_at")),
            raw=obj,
        )


def amount_text(amount: Any) -> Optional[str]:
    """An amount as the API's exact decimal string (never through binary floating point)."""
    if amount is None:
        return None
    if isinstance(amount, bool):
        raise TypeError("an amount is a number, not a bool")
    if isinstance(amount, Decimal):
        return format(amount, "f")
    if isinstance(amount, int):
        return str(amount)
    if isinstance(amount, float):
        return repr(amount) if "e" not in repr(amount) else format(Decimal(repr(amount)), "f")
    if isinstance(amount, str):
        return amount
    raise TypeError("an amount is a Decimal, int, float or decimal string")
