"""The client's logic, written once for the sync and the async client.

Every call is a generator that yields what it needs done (``Request``: one HTTP request;
``Sleep``: a pause; ``Execute``: run the guarded function) and gets the answer sent back; the
two clients (``Countersign``, ``AsyncCountersign``) only perform those steps. Nothing here does
I/O, so retries, long-poll slices and the guard's decisions are the same in both.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Generator, Mapping, Optional, Tuple
from urllib.parse import quote

from ._errors import (
    APIError,
    Conflict,
    CountersignError,
    Escalated,
    Expired,
    InvalidResponse,
    NetworkError,
    NotExecuted,
    Rejected,
    StillPending,
    TakenOver,
    api_error,
)
from ._models import Approval, ApprovalStatus, Level, Outcome, ProposalRecord, Verdict, _Unreadable
from ._retry import RetryPolicy


@dataclass(frozen=True)
class Request:
    """One HTTP request to the gateway."""

    method: str
    path: str
    body: Optional[bytes] = None
    #: The read timeout in seconds (None: the client's default).
    read_timeout: Optional[float] = None


@dataclass(frozen=True)
class Sleep:
    """A pause, in seconds."""

    seconds: float


@dataclass(frozen=True)
class Execute:
    """Run the guarded function now (the answer sent back is its value; its exception is thrown in)."""

    verdict: Verdict
    approval: Optional[Approval]


class TransportFailure(Exception):
    """What the clients throw into an operation when a request failed in transit."""


Response = Tuple[int, bytes]
Ops = Generator[Any, Any, Any]


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _loads(data: bytes, what: str) -> Mapping[str, Any]:
    try:
        obj = json.loads(data)
    except ValueError:
        raise InvalidResponse(f"{what}: the answer is not JSON") from None
    if not isinstance(obj, dict):
        raise InvalidResponse(f"{what}: the answer is not a JSON object")
    return obj


def _error(data: bytes) -> Tuple[Optional[str], str]:
    try:
        obj = json.loads(data)
        inner = obj.get("error") if isinstance(obj, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("code"), str):
            message = inner.get("message")
            return inner["code"], message if isinstance(message, str) else ""
    except ValueError:
        pass
    return None, ""


def _seconds(value: float) -> str:
    """Seconds as the API's ``wait`` parameter (``2.5``), to the millisecond."""
    milliseconds = max(int(value * 1000), 0)
    if milliseconds % 1000 == 0:
        return str(milliseconds // 1000)
    return "%d.%03d" % (milliseconds // 1000, milliseconds % 1000)


def _path(component: str) -> str:
    return quote(component, safe="")


class _Bounded(OrderedDict):  # type: ignore[type-arg]
    """A mapping that forgets its oldest entries past ``limit``."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


class Core:
    """The operations of one agent's client, as generators (see the module's note)."""

    def __init__(self, agent: Optional[str], retry: RetryPolicy, long_poll_chunk: float) -> None:
        self.agent = agent
        self.retry = retry
        self.long_poll_chunk = max(0.001, min(long_poll_chunk, 300.0))
        # Per guarded call (its key without the generation): the generation to start from, and the
        # keys whose final "no" this process has already delivered (see guard.md in the docs).
        self.generations: _Bounded = _Bounded(10_000)
        self.delivered: _Bounded = _Bounded(10_000)

    # MARK: - One request, retried

    def send(
        self, method: str, path: str, body: Optional[bytes] = None, retrying: bool = True,
        read_timeout: Optional[float] = None, repeat_is_success: Optional[str] = None,
    ) -> Ops:
        """One API call, retried when it fails in transit or with 5xx/429. Returns (status, body) of a
        2xx; raises the ``APIError`` of a 4xx (or returns when it is ``repeat_is_success`` on a retry)."""
        attempts = self.retry.attempts if retrying else 1
        last_failure = ""
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                yield Sleep(self.retry.backoff(attempt - 1))
            try:
                status, data = yield Request(method, path, body, read_timeout)
            except TransportFailure as failure:
                last_failure = str(failure)
                continue
            if 200 <= status < 300:
                return status, data
            code, message = _error(data)
            if status == 429 or status >= 500:
                last_failure = f"HTTP {status} {code or ''}".rstrip()
                continue
            if attempt > 1 and repeat_is_success is not None and code == repeat_is_success:
                return status, data
            raise api_error(status, code, message)
        plural = "" if attempts == 1 else "s"
        raise NetworkError(f"{method} {path.split('?')[0]}: {last_failure} (after {attempts} attempt{plural})")

    # MARK: - The API

    def proposal_body(self, fields: Mapping[str, Any]) -> Dict[str, Any]:
        """A proposal's JSON body: ``None`` members left out, the client's agent when none is given."""
        body = {key: value for key, value in fields.items() if value is not None}
        # A key made once per call, here, so this call's own retries can never create a second proposal.
        body.setdefault("idempotency_key", "cs-" + uuid.uuid4().hex)
        if "agent" not in body:
            if not self.agent:
                raise ValueError("no agent: pass agent= to the client (or set COUNTERSIGN_AGENT) or to propose()")
            body["agent"] = self.agent
        return body

    def propose(self, body: Mapping[str, Any]) -> Ops:
        status, data = yield from self.send("POST", "/v1/proposals", _dumps(body))
        return self._read(Verdict.from_json, data, "verdict", is_replay=status == 200)

    def approval(self, approval_id: str) -> Ops:
        _, data = yield from self.send("GET", f"/v1/approvals/{_path(approval_id)}")
        return self._read(Approval.from_json, data, "approval")

    def proposal_record(self, proposal_id: str) -> Ops:
        _, data = yield from self.send("GET", f"/v1/proposals/{_path(proposal_id)}")
        return self._read(ProposalRecord.from_json, data, "proposal")

    def wait(self, approval_id: str, timeout: float, clock: Any = time.monotonic) -> Ops:
        """Long polls in slices of at most ``long_poll_chunk`` until the approval is final or
        ``timeout`` seconds pass (then it is returned still pending; not an error). Dropped
        connections and a restarting gateway are retried with backoff until the timeout."""
        deadline = clock() + max(timeout, 0.0)
        latest: Optional[Approval] = None
        failures = 0
        last_failure = ""
        while True:
            chunk = max(min(deadline - clock(), self.long_poll_chunk), 0.0)
            path = f"/v1/approvals/{_path(approval_id)}?wait={_seconds(chunk)}"
            try:
                _, data = yield from self.send("GET", path, retrying=False, read_timeout=chunk + 15.0)
            except NetworkError as error:
                failures += 1
                last_failure = str(error)
                pause = self.retry.backoff(failures)
                if clock() + pause >= deadline:
                    if latest is not None:
                        return latest
                    raise NetworkError(last_failure) from None
                yield Sleep(pause)
                continue
            approval = self._read(Approval.from_json, data, "approval")
            if approval.status.is_final:
                return approval
            latest = approval
            failures = 0
            if clock() >= deadline:
                return latest

    def consume(self, approval_id: str, binding: Optional[str]) -> Ops:
        """Uses an approved action once. Never retried: a lost answer must not become a second try."""
        _, data = yield from self.send("POST", f"/v1/approvals/{_path(approval_id)}/consume", _dumps({"binding": binding}), retrying=False)
        return self._read(Approval.from_json, data, "approval")

    def report_outcome(self, proposal_id: str, outcome: Any, detail: Optional[str]) -> Ops:
        body: Dict[str, Any] = {"outcome": Outcome(outcome).value}
        if detail is not None:
            body["detail"] = detail
        path = f"/v1/proposals/{_path(proposal_id)}/outcome"
        _, data = yield from self.send("POST", path, _dumps(body), repeat_is_success="outcome_recorded")
        return self._read(ProposalRecord.from_json, data, "proposal")

    @staticmethod
    def _read(parse: Any, data: bytes, what: str, **extra: Any) -> Any:
        try:
            return parse(_loads(data, what), **extra)
        except _Unreadable as error:
            raise InvalidResponse(f"{what}: {error}") from None

    # MARK: - The guard

    def guarded(self, call: "GuardedCall") -> Ops:
        """Proposes one call, waits when it is held, and yields ``Execute`` only when allowed
        (consuming a bound approval first). Raises ``NotExecuted`` subclasses otherwise."""
        generation = self.generations.get(call.base_key, 0)
        for _ in range(64):
            key = f"{call.base_key}/{generation}"
            verdict: Verdict = yield from self.propose(self.proposal_body({**call.body, "idempotency_key": key}))
            if verdict.is_replay and call.new_after_use and (yield from self._answer_was_used(verdict, key)):
                generation += 1
                continue
            self.generations[call.base_key] = generation
            fallback = (verdict.approval.fallback if verdict.approval else None) or call.body.get("fallback")
            if verdict.level.executes_at_once:
                return (yield from self._execute(call, verdict, None))
            if verdict.level is Level.ESCALATE or verdict.approval is None:
                if verdict.approval is None and verdict.level is not Level.ESCALATE:
                    raise InvalidResponse("an approve verdict without its approval")
                raise Escalated(verdict, None, fallback)
            approval: Approval = yield from self.wait(verdict.approval.id, call.wait)
            fallback = approval.fallback or fallback
            if approval.status is ApprovalStatus.PENDING:
                raise StillPending(verdict, approval, fallback)
            if approval.status is not ApprovalStatus.APPROVED:
                self.delivered[key] = True
                raise {ApprovalStatus.REJECTED: Rejected, ApprovalStatus.TAKEN_OVER: TakenOver}.get(approval.status, Expired)(
                    verdict, approval, fallback
                )
            if call.consume:
                try:
                    approval = yield from self.consume(approval.id, call.binding)
                except Conflict as error:
                    if error.code != "already_consumed" or not call.new_after_use:
                        raise
                    # Another process made the same call and used this approval: ours is a new one.
                    generation += 1
                    continue
            return (yield from self._execute(call, verdict, approval))
        raise CountersignError("the call's approvals kept being used by identical concurrent calls")

    def propose_call(self, call: "GuardedCall") -> Ops:
        """Only the proposal of a call (its first generation): a repeat is a replay."""
        return (yield from self.propose(self.proposal_body({**call.body, "idempotency_key": f"{call.base_key}/0"})))

    def _answer_was_used(self, verdict: Verdict, key: str) -> Ops:
        """Whether a replayed proposal's answer was already used, so that this call is a new one:
        it was executed (an outcome, a consumed approval), or its final "no" was delivered by this
        process, or it was escalated and a human has since closed it."""
        if key in self.delivered:
            return True
        held = verdict.approval
        if verdict.level is Level.ESCALATE:
            return held is not None and held.status.is_final
        if held is not None and held.status is not ApprovalStatus.APPROVED:
            return False  # pending: reattach; a final "no" not yet delivered here: deliver it
        try:
            record: ProposalRecord = yield from self.proposal_record(verdict.proposal_id)
        except APIError:
            return True  # fail closed: treat as used and propose afresh
        return record.outcome is not None or (record.approval is not None and record.approval.consumed_at is not None)

    def _execute(self, call: "GuardedCall", verdict: Verdict, approval: Optional[Approval]) -> Ops:
        try:
            value = yield Execute(verdict, approval)
        except Exception as error:
            if call.report_outcome:
                try:
                    yield from self.report_outcome(verdict.proposal_id, Outcome.FAILED, call.failure_detail(error))
                except CountersignError:
                    pass
            raise
        if call.report_outcome:
            try:
                yield from self.report_outcome(verdict.proposal_id, Outcome.SUCCEEDED, None)
            except CountersignError:
                pass
        return value


@dataclass(frozen=True)
class GuardedCall:
    """One call of a guarded function, ready to propose (made by ``countersign._guard``)."""

    #: The proposal without its idempotency key.
    body: Mapping[str, Any]
    #: ``guard/<binding>/<body digest>``: the key's stable part; a generation number completes it.
    base_key: str
    binding: str
    wait: float
    consume: bool
    report_outcome: bool
    failure_detail: Any
    #: Whether a replayed proposal whose answer was used (executed, consumed, a "no" delivered)
    #: makes this a new call with a new proposal (the guard's rule). False where the caller's
    #: identity of the call already tells a new call from a repeat (a tool call id).
    new_after_use: bool = True


__all__ = ["Core", "GuardedCall", "Request", "Sleep", "Execute", "TransportFailure", "NotExecuted"]
