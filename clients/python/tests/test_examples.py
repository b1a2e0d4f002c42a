"""The runnable examples under examples/ run as a user runs them, against the real gateway; the
held refund each proposes is decided by an approver over HTTP."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize("script, framework, decision, expected", [
    ("python_guard.py", None, "approve", "refunded"),
    ("python_guard.py", None, "reject", "not executed (rejected): wrong order"),
    ("langchain_agent.py", "langchain", "reject", "wrong order"),
    ("openai_agents_run.py", "agents", "approve", "tool: refunded"),
    ("crewai_crew.py", "crewai", "approve", "crew:"),
])
def test_example(gateway, approver, script, framework, decision, expected):
    if framework and importlib.util.find_spec(framework) is None:
        pytest.skip(f"{framework} is not installed in this venv")
    order = "E-" + uuid.uuid4().hex[:8]
    env = {**os.environ, "COUNTERSIGN_URL": gateway.url, "COUNTERSIGN_KEY": gateway.agent_key, "COUNTERSIGN_AGENT": "py-agent"}
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(subprocess.run, [sys.executable, str(EXAMPLES / script), order], env=env, capture_output=True, text=True,
                          timeout=300)
        held = approver.next_pending(lambda item: order in item["proposal"]["action"], timeout=120)
        approver.decide(held["id"], decision, "wrong order" if decision == "reject" else None)
        result = run.result(300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout, result.stdout + result.stderr[-2000:]
    assert (order in result.stdout) or decision == "reject" or framework == "crewai"
