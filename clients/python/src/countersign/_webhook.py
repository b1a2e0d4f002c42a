"""Checking the signature of the gateway's webhooks (Standard Webhooks)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Mapping, Optional, Union

from ._errors import WebhookVerificationError

__all__ = ["verify_webhook", "sign_webhook"]

#: How far a webhook's timestamp may be from now, in seconds (the Standard Webhooks default).
TOLERANCE = 300


def _key(secret: Union[str, bytes]) -> bytes:
    """The signing key: a ``whsec_<base64>`` secret's bytes; any other string as UTF-8 (as the gateway signs)."""
    if isinstance(secret, bytes):
        return secret
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[6:], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode("utf-8")


def _header(headers: Mapping[str, Any], name: str) -> Optional[str]:
    for key, value in headers.items():
        if str(key).lower() == name:
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            return value.decode("latin-1") if isinstance(value, bytes) else (None if value is None else str(value))
    return None


def sign_webhook(secret: Union[str, bytes], msg_id: str, timestamp: int, body: Union[str, bytes]) -> str:
    """The ``webhook-signature`` value (``v1,<base64>``) for a body sent as ``msg_id`` at ``timestamp``."""
    payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    message = f"{msg_id}.{timestamp}.".encode("utf-8") + payload
    return "v1," + base64.b64encode(hmac.new(_key(secret), message, hashlib.sha256).digest()).decode("ascii")


def verify_webhook(
    secret: Union[str, bytes], headers: Mapping[str, Any], body: Union[str, bytes], *, tolerance: int = TOLERANCE,
    now: Optional[float] = None,
) -> Any:
    """Checks a webhook from the gateway and returns its parsed JSON body.

    ``headers`` is any mapping (names are matched case-insensitively); ``body`` the raw bytes as
    received (not re-encoded JSON). Raises ``WebhookVerificationError`` when ``webhook-id``,
    ``webhook-timestamp`` or ``webhook-signature`` is missing, the timestamp is more than
    ``tolerance`` seconds from now (a replay), or no ``v1`` signature matches. Deduplicate on the
    returned ``webhook-id``: a redelivery carries the same one."""
    msg_id = _header(headers, "webhook-id")
    timestamp_text = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not msg_id or not timestamp_text or not signatures:
        raise WebhookVerificationError("the webhook lacks its webhook-id, webhook-timestamp or webhook-signature header")
    try:
        timestamp = int(timestamp_text.strip())
    except ValueError:
        raise WebhookVerificationError("the webhook's timestamp is not a number of seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("the webhook's timestamp is too old or too new")
    expected = sign_webhook(secret, msg_id, timestamp, body).split(",", 1)[1].encode("ascii")
    for entry in signatures.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode("ascii", "replace"), expected):
            payload = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
            try:
                return json.loads(payload)
            except ValueError:
                raise WebhookVerificationError("the webhook's body is not JSON") from None
    raise WebhookVerificationError("no webhook signature matches")
