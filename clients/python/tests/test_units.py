"""What needs no gateway: the binding's canonical encoding, the error families, amounts, keys."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest

import countersign
from countersign import _errors
from countersign._guard import GuardSpec, bound_arguments
from countersign._models import amount_text

OPENAPI = Path(__file__).resolve().parents[3] / "Sources/CountersignServer/Resources/openapi.yaml"


@pytest.mark.parametrize("value, text", [
    ({"b": 1, "a": [True, False, None]}, '{"a":[true,false,null],"b":1}'),
    ({"é": 1, "z": 2, "Z": 3}, '{"Z":3,"z":2,"é":1}'),  # sorted by UTF-8 bytes
    ("quote \" back \\ tab \t nul \x00 ✓ 😀", '"quote \\" back \\\\ tab \\u0009 nul \\u0000 ✓ 😀"'),
    (120.0, "120"), (120.5, "120.5"), (1e-05, "1e-05"), (1e16, "10000000000000000"), (1e19, "1e+19"), (-3, "-3"),
    (Decimal("120.50"), "120.5"), ((1, "x"), '[1,"x"]'), (b"\x00\x01", '"data:application/octet-stream;base64,AAE="'),
])
def test_canonical_json(value, text):
    assert countersign.canonical_json(value) == text


def test_call_binding_is_the_mcp_proxys_digest():
    canonical = '{"arguments":{"amount":120,"order":"A-1"},"tool":"refund","upstream":"billing"}'
    expected = hashlib.sha256(("countersign-mcp-binding/v1\n" + canonical).encode()).hexdigest()
    assert countersign.call_binding("billing", "refund", {"order": "A-1", "amount": 120}) == expected
    assert countersign.call_binding("billing", "refund", {"order": "A-1", "amount": 121}) != expected


def test_every_error_code_of_the_openapi_document_has_its_family():
    text = OPENAPI.read_text()
    block = text[text.index("    ErrorCode:"):text.index("    Error:\n")]
    codes = re.findall(r"^        - ([a-z_]+)$", block, re.MULTILINE)
    assert len(codes) >= 40
    table = dict(re.findall(r"\| (`[^|]+) \| (\d{3}) \|", block))
    for codes_text, status in table.items():
        for code in re.findall(r"`([a-z_]+)`", codes_text):
            error = _errors.api_error(int(status), code, "m")
            assert error.status == int(status) and error.code == code
            assert type(error) is _errors.CODES[code]
    assert set(codes) == set(_errors.CODES)


@pytest.mark.parametrize("status, family", [(400, countersign.InvalidRequest), (409, countersign.Conflict),
                                            (422, countersign.Invalid), (418, countersign.APIError), (502, countersign.ServerError)])
def test_unknown_future_codes_still_parse_into_their_family(status, family):
    error = _errors.api_error(status, "a_code_from_the_future", "later")
    assert type(error) is family and error.code == "a_code_from_the_future"


@pytest.mark.parametrize("amount, text", [(120, "120"), (120.5, "120.5"), (Decimal("0.10"), "0.10"), ("99.99", "99.99"),
                                          (1e-7, "0.0000001"), (None, None)])
def test_amounts_are_exact_decimal_strings(amount, text):
    assert amount_text(amount) == text


def test_the_key_is_derived_from_the_call():
    def refund(order, amount, note="none"):
        pass

    spec = GuardSpec(operation="refund", confidence=0.9, amount=lambda amount: amount, action="Refund {order}")
    same = [spec.call(bound_arguments(refund, args, kwargs), refund) for args, kwargs in
            [(("A-1", 5), {}), (("A-1",), {"amount": 5}), ((), {"amount": 5, "order": "A-1", "note": "none"})]]
    assert len({call.base_key for call in same}) == 1
    other = spec.call(bound_arguments(refund, ("A-1", 6), {}), refund)
    assert other.base_key != same[0].base_key and other.body["amount"] == "6"
    assert same[0].body["action"] == "Refund A-1"
    assert len(same[0].base_key + "/999999") <= 255


def test_the_client_never_shows_its_key():
    cs = countersign.Countersign("http://127.0.0.1:9", key="cs_agent_secret_value_123", agent="a",
                                 retry=countersign.RetryPolicy(max_attempts=2, initial_backoff=0.01))
    assert "secret" not in repr(cs)
    with pytest.raises(countersign.NetworkError) as raised:
        cs.approval("x")
    assert "secret" not in str(raised.value) and "after 2 attempts" in str(raised.value)


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("COUNTERSIGN_URL", "http://127.0.0.1:1234/")
    monkeypatch.setenv("COUNTERSIGN_KEY", "cs_agent_from_env_1234567")
    monkeypatch.setenv("COUNTERSIGN_AGENT", "env-agent")
    cs = countersign.Countersign()
    assert (cs.url, cs.agent) == ("http://127.0.0.1:1234", "env-agent")
    monkeypatch.delenv("COUNTERSIGN_KEY")
    with pytest.raises(ValueError):
        countersign.Countersign()
