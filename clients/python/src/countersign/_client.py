"""The two clients: ``Countersign`` (blocking, httpx.Client) and ``AsyncCountersign`` (asyncio,
httpx.AsyncClient). Both perform the same operations (``countersign._core``): they only send the
requests, sleep, and run the guarded function when an operation asks them to."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import threading
import time
import weakref
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, TypeVar, Union

import httpx

from ._core import Core, Execute, GuardedCall, Ops, Request, TransportFailure
from ._errors import NotExecuted
from ._guard import GuardSpec, bound_arguments
from ._models import Approval, Outcome, ProposalRecord, Verdict, amount_text
from ._retry import RetryPolicy

__all__ = ["Countersign", "AsyncCountersign", "Guard", "AsyncGuard"]

F = TypeVar("F", bound=Callable[..., Any])


def _settings(url: Optional[str], key: Optional[str], agent: Optional[str]) -> Tuple[str, str, Optional[str]]:
    url = url or os.environ.get("COUNTERSIGN_URL") or "http://127.0.0.1:8080"
    key = key or os.environ.get("COUNTERSIGN_KEY")
    if not key:
        raise ValueError("no agent key: pass key= or set COUNTERSIGN_KEY")
    return url.rstrip("/"), key, agent or os.environ.get("COUNTERSIGN_AGENT")


def _describe(error: BaseException) -> str:
    return type(error).__name__


def _proposal_fields(operation: str, confidence: float, action: str, **fields: Any) -> Dict[str, Any]:
    messages = fields.get("messages")
    if messages is not None:
        fields["messages"] = [m if isinstance(m, Mapping) else {"role": m[0], "text": m[1]} for m in messages]
    fields["amount"] = amount_text(fields.get("amount"))
    fields["reference_amount"] = amount_text(fields.get("reference_amount"))
    if fields.get("context") is not None:
        fields["context"] = dict(fields["context"])
    return {"operation": operation, "confidence": confidence, "action": action, **fields}


class _Base:
    """What both clients share: settings, the operations, and per-call locks."""

    def __init__(self, url: Optional[str], key: Optional[str], agent: Optional[str], retry: RetryPolicy, timeout: float,
                 long_poll_chunk: float) -> None:
        self.url, key, self.agent = _settings(url, key, agent)
        self._core = Core(self.agent, retry, long_poll_chunk)
        self._key = key
        self._retry = retry
        self._long_poll_chunk = long_poll_chunk
        self._timeout = timeout
        self._headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(url={self.url!r}, agent={self.agent!r})"

    def _http_arguments(self, request: Request) -> Dict[str, Any]:
        headers = dict(self._headers)
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        timeout = httpx.Timeout(request.read_timeout or self._timeout, connect=min(self._timeout, 10.0))
        return {"method": request.method, "url": self.url + request.path, "content": request.body, "headers": headers, "timeout": timeout}

    def _body(self, operation: str, confidence: float, action: str, fields: Dict[str, Any]) -> Dict[str, Any]:
        return self._core.proposal_body(_proposal_fields(operation, confidence, action, **fields))


class Countersign(_Base):
    """An agent's client of a Countersign gateway (blocking).

    >>> cs = Countersign("http://127.0.0.1:8080", key="cs_agent_…", agent="support-bot")
    >>> @cs.guard(operation="refund", confidence=0.9, amount=lambda order, amount: amount, action="Refund {order}")
    ... def refund(order: str, amount: float) -> str: ...

    ``url``, ``key`` and ``agent`` default to ``COUNTERSIGN_URL``, ``COUNTERSIGN_KEY`` and
    ``COUNTERSIGN_AGENT``. Requests that fail in transit (or with 5xx/429) are retried with
    backoff; long polls reconnect until their timeout. Safe to share between threads.
    """

    def __init__(self, url: Optional[str] = None, key: Optional[str] = None, agent: Optional[str] = None, *,
                 retry: RetryPolicy = RetryPolicy(), timeout: float = 30.0, long_poll_chunk: float = 60.0,
                 http_client: Optional[httpx.Client] = None) -> None:
        super().__init__(url, key, agent, retry, timeout, long_poll_chunk)
        self._http = http_client or httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))
        self._locks: "weakref.WeakValueDictionary[str, threading.Lock]" = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    def close(self) -> None:
        """Closes the HTTP connections."""
        self._http.close()

    def __enter__(self) -> "Countersign":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # MARK: - Driving operations

    def _advance(self, ops: Ops, send: Any = None, throw: Optional[BaseException] = None) -> Tuple[bool, Any]:
        """Performs requests and pauses until the operation finishes (True, value) or asks to execute (False, step)."""
        try:
            step = ops.throw(throw) if throw is not None else ops.send(send)
            while not isinstance(step, Execute):
                if isinstance(step, Request):
                    try:
                        response = self._http.request(**self._http_arguments(step))
                    except httpx.TransportError as error:
                        step = ops.throw(TransportFailure(_describe(error)))
                        continue
                    step = ops.send((response.status_code, response.content))
                else:
                    time.sleep(step.seconds)
                    step = ops.send(None)
            return False, step
        except StopIteration as stop:
            return True, stop.value

    def _run(self, ops: Ops, execute: Optional[Callable[[Execute], Any]] = None) -> Any:
        try:
            done, value = self._advance(ops)
            while not done:
                assert execute is not None
                try:
                    result = execute(value)
                except Exception as error:
                    done, value = self._advance(ops, throw=error)
                    continue
                done, value = self._advance(ops, send=result)
            return value
        finally:
            ops.close()

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = threading.Lock()
                self._locks[key] = lock
            return lock

    # MARK: - The API

    def propose(self, operation: str, confidence: float, action: str, **fields: Any) -> Verdict:
        """Proposes an action (``POST /v1/proposals``) and returns the ``Verdict``.

        ``fields`` are the proposal's other members: ``idempotency_key``, ``amount`` (sent as an exact
        decimal string), ``currency``, ``reference_amount``, ``subject``, ``reasoning``, ``impact``,
        ``messages`` (dicts or ``(role, text)`` pairs), ``context``, ``fallback``, ``timeout`` (how
        long the approval may wait for a human: seconds or ``"30m"``), ``agent``. Retries of this
        call reuse its idempotency key; without one, each call is a new proposal.

        Raises ``APIError`` subclasses (``Invalid`` with ``idempotency_key_reused``, ``Forbidden``…),
        ``NetworkError`` after the last retry."""
        return self._run(self._core.propose(self._body(operation, confidence, action, fields)))

    def approval(self, approval_id: str) -> Approval:
        """The approval as it stands now."""
        return self._run(self._core.approval(approval_id))

    def proposal(self, proposal_id: str) -> ProposalRecord:
        """A stored proposal of this agent, with its verdict, approval and outcome."""
        return self._run(self._core.proposal_record(proposal_id))

    def wait(self, approval_id: str, timeout: float = 300.0) -> Approval:
        """Waits until the approval is decided or expires, or ``timeout`` seconds pass, and returns it
        (still ``pending`` after a timeout: not an error). Long polls of at most ``long_poll_chunk``
        seconds, with a read timeout above each; dropped connections and gateway restarts are
        retried with backoff. Ctrl-C (``KeyboardInterrupt``) cancels it. Raises ``NetworkError``
        only when the gateway could not be reached at all before the timeout."""
        return self._run(self._core.wait(approval_id, timeout))

    def consume(self, approval_id: str, binding: Optional[str] = None) -> Approval:
        """Uses an approved action exactly once (``POST /v1/approvals/{id}/consume``): call it right
        before executing; ``binding`` is the proposal's ``context.binding``. Never retried: any
        failure (``Conflict`` ``already_consumed`` / ``not_approved``, ``Invalid`` ``binding_mismatch``,
        ``NetworkError``) means do not execute."""
        return self._run(self._core.consume(approval_id, binding))

    def report_outcome(self, proposal_id: str, outcome: Union[Outcome, str], detail: Optional[str] = None) -> ProposalRecord:
        """Reports what happened after executing (``succeeded``, ``failed``, ``erroneous``), once. A
        retry whose first attempt was recorded (the answer was lost) counts as success."""
        return self._run(self._core.report_outcome(proposal_id, outcome, detail))

    def guard(self, operation: str, confidence: Any, **options: Any) -> "Guard":
        """Gates a function (as a decorator) or a block (``with cs.guard(...).on(order="A-1"):``).

        ``confidence``, ``amount``, ``subject``, ``context``… are constants or functions of the
        call's arguments (``amount=lambda amount: amount``); ``action`` may be a format string
        (``"Refund {order}"``). The function runs only when allowed: at once on ``auto``/``notify``,
        after a human approves on ``approve`` (consuming the approval, bound to this very call,
        first); its outcome is reported. Otherwise it raises ``Escalated`` (at once, no waiting),
        ``Rejected``, ``TakenOver``, ``Expired`` or ``StillPending`` (after ``wait`` seconds, 300 by
        default), each with ``.fallback`` and ``.comment``, or returns ``on_not_executed(error)``
        when given. The idempotency key is derived from the call: retries and restarts of the same
        call reuse its proposal. Other options: ``timeout`` (the proposal's), ``upstream``/``tool``
        (the binding's names), ``consume``, ``report_outcome``, ``failure_detail``, ``agent``."""
        return Guard(self, GuardSpec(operation=operation, confidence=confidence, **options))

    def guarded_call(self, spec: GuardSpec, arguments: Mapping[str, Any], execute: Callable[[Execute], Any]) -> Any:
        """The guard's decision for one call with ``arguments``, running ``execute(step)`` only when
        allowed (for adapters: ``step.verdict`` and ``step.approval`` say why). Raises ``NotExecuted``."""
        call = spec.call(arguments, None)
        with self._lock(call.base_key):
            return self._run(self._core.guarded(call), execute)

    def asynchronous(self) -> "AsyncCountersign":
        """An ``AsyncCountersign`` with the same settings (its own connections)."""
        return AsyncCountersign(self.url, key=self._key, agent=self.agent, retry=self._retry, timeout=self._timeout,
                                long_poll_chunk=self._long_poll_chunk)


class AsyncCountersign(_Base):
    """An agent's client of a Countersign gateway for asyncio; the same calls as ``Countersign``,
    awaited. Cancelling the task cancels a wait."""

    def __init__(self, url: Optional[str] = None, key: Optional[str] = None, agent: Optional[str] = None, *,
                 retry: RetryPolicy = RetryPolicy(), timeout: float = 30.0, long_poll_chunk: float = 60.0,
                 http_client: Optional[httpx.AsyncClient] = None) -> None:
        super().__init__(url, key, agent, retry, timeout, long_poll_chunk)
        self._http = http_client or httpx.AsyncClient(limits=httpx.Limits(max_connections=256, max_keepalive_connections=64))
        self._locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()

    async def aclose(self) -> None:
        """Closes the HTTP connections."""
        await self._http.aclose()

    async def __aenter__(self) -> "AsyncCountersign":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def _advance(self, ops: Ops, send: Any = None, throw: Optional[BaseException] = None) -> Tuple[bool, Any]:
        try:
            step = ops.throw(throw) if throw is not None else ops.send(send)
            while not isinstance(step, Execute):
                if isinstance(step, Request):
                    try:
                        response = await self._http.request(**self._http_arguments(step))
                    except httpx.TransportError as error:
                        step = ops.throw(TransportFailure(_describe(error)))
                        continue
                    step = ops.send((response.status_code, response.content))
                else:
                    await asyncio.sleep(step.seconds)
                    step = ops.send(None)
            return False, step
        except StopIteration as stop:
            return True, stop.value

    async def _run(self, ops: Ops, execute: Optional[Callable[[Execute], Awaitable[Any]]] = None) -> Any:
        try:
            done, value = await self._advance(ops)
            while not done:
                assert execute is not None
                try:
                    result = await execute(value)
                except Exception as error:
                    done, value = await self._advance(ops, throw=error)
                    continue
                done, value = await self._advance(ops, send=result)
            return value
        finally:
            ops.close()

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def propose(self, operation: str, confidence: float, action: str, **fields: Any) -> Verdict:
        """See ``Countersign.propose``."""
        return await self._run(self._core.propose(self._body(operation, confidence, action, fields)))

    async def approval(self, approval_id: str) -> Approval:
        """The approval as it stands now."""
        return await self._run(self._core.approval(approval_id))

    async def proposal(self, proposal_id: str) -> ProposalRecord:
        """A stored proposal of this agent, with its verdict, approval and outcome."""
        return await self._run(self._core.proposal_record(proposal_id))

    async def wait(self, approval_id: str, timeout: float = 300.0) -> Approval:
        """See ``Countersign.wait``; cancelling the task cancels the wait."""
        return await self._run(self._core.wait(approval_id, timeout))

    async def consume(self, approval_id: str, binding: Optional[str] = None) -> Approval:
        """See ``Countersign.consume``."""
        return await self._run(self._core.consume(approval_id, binding))

    async def report_outcome(self, proposal_id: str, outcome: Union[Outcome, str], detail: Optional[str] = None) -> ProposalRecord:
        """See ``Countersign.report_outcome``."""
        return await self._run(self._core.report_outcome(proposal_id, outcome, detail))

    def guard(self, operation: str, confidence: Any, **options: Any) -> "AsyncGuard":
        """See ``Countersign.guard``; decorates ``async def`` functions (``async with`` for a block)."""
        return AsyncGuard(self, GuardSpec(operation=operation, confidence=confidence, **options))

    async def guarded_call(self, spec: GuardSpec, arguments: Mapping[str, Any], execute: Callable[[Execute], Awaitable[Any]]) -> Any:
        """See ``Countersign.guarded_call``; ``execute`` returns an awaitable."""
        return await self.guarded_call_for(spec.call(arguments, None), execute)

    async def guarded_call_for(self, call: GuardedCall, execute: Callable[[Execute], Awaitable[Any]]) -> Any:
        async with self._lock(call.base_key):
            return await self._run(self._core.guarded(call), execute)


class _GuardBase:
    def __init__(self, spec: GuardSpec, arguments: Optional[Mapping[str, Any]]) -> None:
        self.spec = spec
        self._arguments = dict(arguments or {})
        self._ops: Optional[Ops] = None

    def _call_for(self, function: Callable[..., Any], args: tuple, kwargs: Mapping[str, Any]) -> GuardedCall:
        return self.spec.call(bound_arguments(function, args, kwargs), function)

    def _block_call(self) -> GuardedCall:
        if self._ops is not None:
            raise RuntimeError("this guard's block is already running; use .on(...) for each block")
        return self.spec.call(self._arguments, None)

    def _not_executed(self, error: NotExecuted) -> Any:
        if self.spec.on_not_executed is None:
            raise error
        return self.spec.on_not_executed(error)


class Guard(_GuardBase):
    """What ``Countersign.guard(...)`` returns: a decorator, or (after ``.on(**arguments)``, the
    block's inputs, which the binding and the idempotency key cover) a context manager whose
    ``__enter__`` proposes and waits, and returns the ``Verdict`` when the block may run."""

    def __init__(self, client: Countersign, spec: GuardSpec, arguments: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(spec, arguments)
        self._client = client
        self._held: Optional[threading.Lock] = None

    def __call__(self, function: F) -> F:
        if inspect.iscoroutinefunction(function):
            raise TypeError("Countersign.guard gates blocking functions; use AsyncCountersign.guard for async def")

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            call = self._call_for(function, args, kwargs)
            try:
                # Identical calls in this process take turns, so each sees the previous one's outcome.
                with self._client._lock(call.base_key):
                    return self._client._run(self._client._core.guarded(call), lambda step: function(*args, **kwargs))
            except NotExecuted as error:
                return self._not_executed(error)

        guarded.countersign_guard = self  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    def on(self, **arguments: Any) -> "Guard":
        """This guard for one block whose inputs are ``arguments``."""
        return Guard(self._client, self.spec, arguments)

    def __enter__(self) -> Verdict:
        call = self._block_call()
        lock = self._client._lock(call.base_key)
        lock.acquire()
        self._held, self._ops = lock, self._client._core.guarded(call)
        try:
            done, step = self._client._advance(self._ops)
        except BaseException:
            self._finish()
            raise
        assert not done
        return step.verdict

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        try:
            if self._ops is not None and isinstance(error, Exception):
                try:
                    self._client._advance(self._ops, throw=error)
                except Exception as raised:
                    if raised is not error:
                        raise
            elif self._ops is not None and error is None:
                self._client._advance(self._ops, send=None)
        finally:
            self._finish()

    def _finish(self) -> None:
        if self._ops is not None:
            self._ops.close()
        self._ops = None
        if self._held is not None:
            self._held.release()
            self._held = None


class AsyncGuard(_GuardBase):
    """What ``AsyncCountersign.guard(...)`` returns: a decorator of ``async def`` functions, or
    (after ``.on(**arguments)``) an async context manager."""

    def __init__(self, client: AsyncCountersign, spec: GuardSpec, arguments: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(spec, arguments)
        self._client = client
        self._held: Optional[asyncio.Lock] = None

    def __call__(self, function: F) -> F:
        if not inspect.iscoroutinefunction(function):
            raise TypeError("AsyncCountersign.guard gates async def functions; use Countersign.guard for blocking ones")

        @functools.wraps(function)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            call = self._call_for(function, args, kwargs)
            try:
                async with self._client._lock(call.base_key):
                    return await self._client._run(self._client._core.guarded(call), lambda step: function(*args, **kwargs))
            except NotExecuted as error:
                return self._not_executed(error)

        guarded.countersign_guard = self  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    def on(self, **arguments: Any) -> "AsyncGuard":
        """This guard for one block whose inputs are ``arguments``."""
        return AsyncGuard(self._client, self.spec, arguments)

    async def __aenter__(self) -> Verdict:
        call = self._block_call()
        lock = self._client._lock(call.base_key)
        await lock.acquire()
        self._held, self._ops = lock, self._client._core.guarded(call)
        try:
            done, step = await self._client._advance(self._ops)
        except BaseException:
            self._finish()
            raise
        assert not done
        return step.verdict

    async def __aexit__(self, kind: Any, error: Any, traceback: Any) -> None:
        try:
            if self._ops is not None and isinstance(error, Exception):
                try:
                    await self._client._advance(self._ops, throw=error)
                except Exception as raised:
                    if raised is not error:
                        raise
            elif self._ops is not None and error is None:
                await self._client._advance(self._ops, send=None)
        finally:
            self._finish()

    def _finish(self) -> None:
        if self._ops is not None:
            self._ops.close()
        self._ops = None
        if self._held is not None:
            self._held.release()
            self._held = None
