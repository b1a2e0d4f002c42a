"""Webhook verification, checked against the standardwebhooks package and a real delivery."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone

import pytest

from countersign import WebhookVerificationError, sign_webhook, verify_webhook

standardwebhooks = pytest.importorskip("standardwebhooks")

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
BODY = '{"type":"approval.decided","data":{"approval_id":"a-1","status":"approved","comment":"ok ✓"}}'


def signed_by_the_package(msg_id: str = "msg_1", at: float = None, body: str = BODY) -> dict:
    at = time.time() if at is None else at
    signature = standardwebhooks.Webhook(SECRET).sign(msg_id, datetime.fromtimestamp(int(at), tz=timezone.utc), body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at)), "webhook-signature": signature}


def test_a_signature_made_by_the_package_verifies():
    payload = verify_webhook(SECRET, signed_by_the_package(), BODY.encode())
    assert payload["data"]["comment"] == "ok ✓"


def test_a_signature_made_here_verifies_with_the_package():
    at = int(time.time())
    headers = {"webhook-id": "msg_2", "webhook-timestamp": str(at), "webhook-signature": sign_webhook(SECRET, "msg_2", at, BODY)}
    assert standardwebhooks.Webhook(SECRET).verify(BODY, headers)["type"] == "approval.decided"


@pytest.mark.parametrize("tamper", [
    lambda h, b: (h, b.replace(b"approved", b"rejected")),                          # another body
    lambda h, b: ({**h, "webhook-id": "msg_other"}, b),                             # another message id
    lambda h, b: ({**h, "webhook-signature": "v1,AAAA"}, b),                         # a wrong signature
    lambda h, b: ({**h, "webhook-signature": h["webhook-signature"].replace("v1,", "v2,")}, b),
    lambda h, b: ({k: v for k, v in h.items() if k != "webhook-timestamp"}, b),      # a missing header
    lambda h, b: ({**h, "webhook-timestamp": "soon"}, b),
])
def test_tampered_webhooks_are_refused_here_and_by_the_package(tamper):
    headers, body = tamper(signed_by_the_package(), BODY.encode())
    with pytest.raises(WebhookVerificationError):
        verify_webhook(SECRET, headers, body)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(SECRET).verify(body, headers)


@pytest.mark.parametrize("age", [-301, 301])
def test_a_stale_or_future_timestamp_is_refused(age):
    headers = signed_by_the_package(at=time.time() - age)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(SECRET, headers, BODY)
    assert verify_webhook(SECRET, headers, BODY, now=time.time() - age) is not None


def test_several_signatures_one_of_which_matches():
    headers = signed_by_the_package()
    headers["webhook-signature"] = "v1,bm90IHRoaXMgb25l " + headers["webhook-signature"]
    assert verify_webhook(SECRET, {k.upper(): v for k, v in headers.items()}, BODY)["type"] == "approval.decided"


def test_the_gateways_own_delivery_verifies(cs, gateway, approver, webhooks):
    verdict = cs.propose("refund", 0.9, "Refund W-" + str(time.time_ns()), amount="12.50")
    approver.decide(verdict.approval.id, "reject", "not this time")
    headers, body = webhooks.delivery(lambda item: verdict.approval.id.encode() in item[1])
    payload = verify_webhook(gateway.webhook_secret, headers, body)
    assert payload["data"]["approval_id"] == verdict.approval.id and payload["data"]["status"] == "rejected"
    assert payload["data"]["comment"] == "not this time" and payload["data"]["execute"] is False
    assert standardwebhooks.Webhook(gateway.webhook_secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        verify_webhook("whsec_" + base64.b64encode(b"another secret of 24 bytes").decode(), headers, body)
