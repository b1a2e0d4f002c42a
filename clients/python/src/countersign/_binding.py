"""What an approval is bound to: the exact call, as a SHA-256 over a canonical encoding.

The same scheme as the gateway's MCP proxy (``CallBinding`` in the Swift sources), so a binding
computed here, by the TypeScript client or by ``countersign mcp-proxy`` means the same thing: two
calls have the same binding exactly when they name the same upstream, the same tool and the same
arguments.

Canonical encoding (version 1): JSON with object members sorted by their UTF-8 bytes, no
whitespace, integers in decimal (any number with an integral value in Int64's range, as the
proxy's JSON layer reads it: ``1e16`` and ``120.0`` too), other numbers in their shortest
round-trip form (``1e-05``, ``1.5e+300``), strings with only ``"``, ``\\`` and control characters
escaped (``\\u00xx``), binary data as its data URL.
"""

from __future__ import annotations

import base64
import hashlib
import math
from decimal import Decimal
from typing import Any, Mapping

__all__ = ["call_binding", "canonical_json"]

_PREFIX = "countersign-mcp-binding/v1\n"


def call_binding(upstream: str, tool: str, arguments: Mapping[str, Any]) -> str:
    """The hex SHA-256 binding of one call (the proposal's ``context.binding``)."""
    text = canonical_json({"upstream": upstream, "tool": tool, "arguments": dict(arguments)})
    return hashlib.sha256((_PREFIX + text).encode("utf-8", "surrogatepass")).hexdigest()


def canonical_json(value: Any) -> str:
    """The canonical text of a JSON-like value (dicts, lists, tuples, str, int, float, Decimal, bool, None, bytes)."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, Decimal):
        out.append(_number(float(value)))
    elif isinstance(value, str):
        _write_string(value, out)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        _write_string("data:application/octet-stream;base64," + base64.b64encode(bytes(value)).decode("ascii"), out)
    elif isinstance(value, Mapping):
        out.append("{")
        keys = sorted((str(key) for key in value.keys()), key=lambda key: key.encode("utf-8", "surrogatepass"))
        for index, key in enumerate(keys):
            if index:
                out.append(",")
            _write_string(key, out)
            out.append(":")
            _write(value[key] if key in value else _lookup(value, key), out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        # Anything else (a dataclass, an enum, a date) is written as its text: stable for equal values.
        _write_string(str(value), out)


def _lookup(mapping: Mapping[Any, Any], text_key: str) -> Any:
    for key, item in mapping.items():
        if str(key) == text_key:
            return item
    return None


def _number(number: float) -> str:
    if not math.isfinite(number):
        # JSON has no such numbers; Swift's JSON layer never produces them either.
        return '"' + repr(number) + '"'
    # The proxy's JSON layer reads a number with an integral value in Int64's range as an integer
    # (1e16 and 120.0 alike); other numbers stay doubles, written in their shortest round-trip form.
    if number == int(number) and -(2**63) <= number < 2**63:
        return str(int(number))
    return repr(number)


def _write_string(text: str, out: list[str]) -> None:
    out.append('"')
    for char in text:  # Python iterates a str by Unicode scalar (code point), as Swift's unicodeScalars
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(char)
    out.append('"')
