"""A real ``countersign serve`` for the tests: the binary from ``COUNTERSIGN_BIN``, a fresh SQLite
file and a configuration naming agent keys and an approver token through the environment, on a
port the kernel picks (``--port 0``; serve prints the bound one). Restartable on the same port
and database. Also an approver that decides through the HTTP API."""

from __future__ import annotations

import os
import re
import secrets
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx

AGENT = "py-agent"
OTHER_AGENT = "other-agent"
APPROVER = "alice"

CONFIG = """\
policy:
  escalation: {consecutive_rejections: false, approvals_per_subject: false, low_confidence_streak: false}
agents:
  - name: py-agent
    key_env: CS_TEST_AGENT_KEY
    webhook: {url: "WEBHOOK_URL", secret_env: CS_TEST_WEBHOOK_SECRET}
  - {name: other-agent, key_env: CS_TEST_OTHER_KEY}
approvers:
  - {name: alice, token_env: CS_TEST_ALICE_TOKEN}
"""


def binary() -> str:
    path = os.environ.get("COUNTERSIGN_BIN")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("set COUNTERSIGN_BIN to the built countersign executable (clients/test.sh does)")
    return path


class Gateway:
    """One server process on its own folder; ``start()`` again after ``stop()``/``kill()`` restarts it."""

    def __init__(self, directory: Optional[str] = None, webhook_url: str = "http://127.0.0.1:9/hook",
                 executable: Optional[str] = None, extra_env: Optional[Dict[str, str]] = None) -> None:
        self.directory = Path(directory or tempfile.mkdtemp(prefix="countersign-py-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.database = self.directory / "countersign.db"
        self.config = self.directory / "countersign.yaml"
        self.config.write_text(CONFIG.replace("WEBHOOK_URL", webhook_url))
        self.agent_key = "cs_agent_py_" + secrets.token_hex(16)
        self.other_key = "cs_agent_other_" + secrets.token_hex(16)
        self.approver_token = "cs_approver_alice_" + secrets.token_hex(16)
        self.webhook_secret = "whsec_" + __import__("base64").b64encode(secrets.token_bytes(24)).decode()
        self.executable = executable or binary()
        self.extra_env = extra_env or {}
        self.port = 0
        self.process: Optional[subprocess.Popen] = None
        self.output: List[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "Gateway":
        env = dict(os.environ)
        env.update(self.extra_env)
        env.update({
            "CS_TEST_AGENT_KEY": self.agent_key, "CS_TEST_OTHER_KEY": self.other_key,
            "CS_TEST_ALICE_TOKEN": self.approver_token, "CS_TEST_WEBHOOK_SECRET": self.webhook_secret,
            "LOG_LEVEL": env.get("COUNTERSIGN_TEST_LOG_LEVEL", "warning"),
        })
        command = [self.executable, "serve", "--config", str(self.config), "--db", str(self.database),
                   "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        bound = threading.Event()

        def drain(stream: Any) -> None:
            for line in stream:
                self.output.append(line)
                match = re.search(r"is listening on http://127\.0\.0\.1:(\d+)", line)
                if match:
                    self.port = int(match.group(1))
                    bound.set()

        threading.Thread(target=drain, args=(self.process.stdout,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not bound.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("countersign serve did not start:\n" + "".join(self.output[-40:]))
        return self

    def stop(self) -> None:
        """SIGTERM, and waits for the process (a graceful stop can take over a second)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    # MARK: - Looking at what the server stored

    def proposals(self, agent: str = AGENT) -> List[sqlite3.Row]:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            return list(db.execute(
                "SELECT id, idempotency_key, level, outcome, outcome_detail FROM proposals WHERE agent = ? ORDER BY created_at, rowid",
                (agent,)))

    def approver(self) -> "Approver":
        return Approver(self)


class Approver:
    """Alice, deciding through the HTTP API with her approver token."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.gateway.url, headers={"Authorization": f"Bearer {self.gateway.approver_token}"}, timeout=30)

    def pending(self) -> List[Dict[str, Any]]:
        with self._client() as client:
            response = client.get("/v1/approvals", params={"status": "pending", "limit": 200})
            response.raise_for_status()
            return response.json()["items"]

    def next_pending(self, where: Callable[[Dict[str, Any]], bool] = lambda item: True, timeout: float = 30.0,
                     exclude: Optional[set] = None) -> Dict[str, Any]:
        """Waits (polling the queue) until a pending approval matching ``where`` appears."""
        deadline = time.monotonic() + timeout
        while True:
            for item in self.pending():
                if where(item) and (not exclude or item["id"] not in exclude):
                    return item
            if time.monotonic() > deadline:
                raise AssertionError("no pending approval appeared")
            time.sleep(0.02)

    def decide(self, approval_id: str, decision: str, comment: Optional[str] = None) -> Dict[str, Any]:
        with self._client() as client:
            body: Dict[str, Any] = {"decision": decision}
            if comment is not None:
                body["comment"] = comment
            response = client.post(f"/v1/approvals/{approval_id}/decision", json=body)
            response.raise_for_status()
            return response.json()

    def proposal(self, proposal_id: str) -> Dict[str, Any]:
        with self._client() as client:
            response = client.get(f"/v1/proposals/{proposal_id}")
            response.raise_for_status()
            return response.json()
