"""The platform wheel, installed as a user would: ``pip install`` into a fresh venv, then
``countersign serve`` from that venv and a round trip from its Python. Runs only when
``COUNTERSIGN_WHEEL`` names the wheel (clients/build-wheels.sh builds it)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gateway import Gateway

WHEEL = os.environ.get("COUNTERSIGN_WHEEL")
pytestmark = [pytest.mark.wheel, pytest.mark.skipif(not WHEEL, reason="COUNTERSIGN_WHEEL is not set (clients/build-wheels.sh)")]

ROUND_TRIP = """
import sys, countersign
cs = countersign.Countersign(sys.argv[1], key=sys.argv[2], agent="py-agent")
@cs.guard(operation="refund", confidence=0.9, action="Refund {order}", amount=lambda amount: amount, wait=60)
def refund(order, amount):
    return "refunded " + order
print(refund(sys.argv[3], 42), flush=True)
"""


def test_pip_install_then_countersign_serve_and_a_round_trip(tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/pip"), "install", "--quiet", "--disable-pip-version-check", WHEEL], check=True, timeout=600)
    executable = venv / "bin/countersign"  # auditwheel's launcher, which execs the gateway binary
    [binary] = venv.glob("lib/python*/site-packages/countersign.scripts/countersign")
    assert binary.read_bytes()[:4] == b"\x7fELF"  # the gateway itself, with its libraries in countersign.libs/
    version = subprocess.run([str(executable), "--help"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and "serve" in version.stdout
    gateway = Gateway(directory=str(tmp_path / "server"), executable=str(executable)).start()
    try:
        order = "W-" + uuid.uuid4().hex[:8]
        script = tmp_path / "agent.py"
        script.write_text(ROUND_TRIP)
        with ThreadPoolExecutor(1) as pool:
            agent = pool.submit(subprocess.run, [str(venv / "bin/python"), str(script), gateway.url, gateway.agent_key, order],
                                capture_output=True, text=True, timeout=120)
            held = gateway.approver().next_pending(lambda item: order in item["proposal"]["action"])
            gateway.approver().decide(held["id"], "approve")
            result = agent.result(180)
        assert result.stdout.strip() == f"refunded {order}", result.stderr
        assert gateway.approver().proposal(held["proposal_id"])["outcome"]["outcome"] == "succeeded"
    finally:
        gateway.stop()
