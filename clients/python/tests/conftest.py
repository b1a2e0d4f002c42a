from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gateway import AGENT, Approver, Gateway  # noqa: E402

import countersign  # noqa: E402


@pytest.fixture(scope="session")
def gateway() -> Iterator[Gateway]:
    """One server for the suite (each test uses its own operations or keys)."""
    server = Gateway().start()
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
