"""The binding a guard computes is the one `countersign mcp-proxy` computes for the same call: the
proxy (the Swift CallBinding) gates a call to a small MCP upstream, and the proposal it stored
carries its binding, which must equal ``countersign.call_binding`` of the same upstream, tool and
arguments."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


import countersign

UPSTREAM = Path(__file__).with_name("mcp_upstream.py")

ARGUMENTS = [
    {"order": "A-1", "amount": 120, "note": 'quote " backslash \\ newline \n tab \t é ✓ 😀', "nested": {"b": [1, True, None], "a": {}}},
    {"amount": 120.5, "tiny": 0.0001, "ratio": 0.1, "negative": -3, "zero": 0, "keys": {"Z": 1, "z": 2, "é": 3, "": 4}},
    {"control": "\u0001\u001f\u007f", "list": [[], [[]], "x"], "flag": False},
    # Swift reads every JSON number with an integral value in Int64's range as an integer.
    {"big": 1e16, "bigger": 1e18, "small": 1e-05, "integral_float": 120.0, "huge_int": 12345678901234567, "beyond": 1e19, "x": 1.5e300},
]


def stored_bindings(database: Path) -> list:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        bodies = [json.loads(row[0]) for row in db.execute("SELECT body FROM proposals ORDER BY created_at, rowid")]
    return [body["context"]["binding"] for body in bodies if "mcp" in (body.get("context") or {})]


def test_the_guards_binding_is_the_mcp_proxys(gateway, tmp_path):
    config = tmp_path / "proxy.yaml"
    config.write_text("upstream: {name: billing}\ndefault_confidence: 0.99\n")
    env = {**os.environ, "COUNTERSIGN_URL": gateway.url, "COUNTERSIGN_AGENT_KEY": gateway.agent_key, "COUNTERSIGN_AGENT": "py-agent",
           "LOG_LEVEL": "error"}
    proxy = subprocess.Popen([gateway.executable, "mcp-proxy", "--config", str(config), "--", sys.executable, str(UPSTREAM)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)

    def request(number: int, method: str, params: dict) -> dict:
        proxy.stdin.write(json.dumps({"jsonrpc": "2.0", "id": number, "method": method, "params": params}) + "\n")
        proxy.stdin.flush()
        while True:
            answer = json.loads(proxy.stdout.readline())
            if answer.get("id") == number:
                return answer

    try:
        request(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "pytest", "version": "1"}})
        proxy.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        before = len(stored_bindings(gateway.database))
        for number, arguments in enumerate(ARGUMENTS, start=2):
            answer = request(number, "tools/call", {"name": "refund", "arguments": arguments})
            assert answer["result"]["content"][0]["text"] == "ok", answer
    finally:
        proxy.stdin.close()
        proxy.wait(30)
    swift = stored_bindings(gateway.database)[before:]
    assert swift == [countersign.call_binding("billing", "refund", arguments) for arguments in ARGUMENTS]
