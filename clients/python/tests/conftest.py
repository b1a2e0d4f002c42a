from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gateway import AGENT, Approver, Gateway  # noqa: E402

import countersign  # noqa: E402


class WebhookReceiver:
    """A local HTTP endpoint that records the gateway's webhook deliveries (and answers 204)."""

    def __init__(self) -> None:
        self.received: List[Tuple[Dict[str, str], bytes]] = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.arrived:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def delivery(self, where, timeout: float = 30.0) -> Tuple[Dict[str, str], bytes]:
        with self.arrived:
            found = self.arrived.wait_for(lambda: next((item for item in self.received if where(item)), None), timeout)
        if not found:
            raise AssertionError("no matching webhook arrived")
        return found


@pytest.fixture(scope="session")
def webhooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture(scope="session")
def gateway(webhooks: WebhookReceiver) -> Iterator[Gateway]:
    """One server for the suite (each test uses its own operations or keys)."""
    server = Gateway(webhook_url=webhooks.url).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_gateway(tmp_path: Path) -> Iterator[Gateway]:
    """A server of the test's own (for tests that stop or restart it)."""
    server = Gateway(directory=str(tmp_path)).start()
    yield server
    server.kill()


@pytest.fixture
def approver(gateway: Gateway) -> Approver:
    return gateway.approver()


@pytest.fixture
def cs(gateway: Gateway) -> Iterator[countersign.Countersign]:
    client = countersign.Countersign(gateway.url, key=gateway.agent_key, agent=AGENT)
    yield client
    client.close()
