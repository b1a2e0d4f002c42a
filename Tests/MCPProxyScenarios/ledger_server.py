"""A payments upstream MCP server for the proxy's attack tests (official Python SDK, stdio).

Its one tool, `pay`, appends each call it receives, as one JSON line, to the file named by its
first argument, so a test can tell exactly which calls reached the upstream, and with what bytes.
"""

import json
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("ledger-upstream")
log_path = sys.argv[1]


@server.tool()
async def pay(amount: float | str, currency: str, payee: str, memo: str) -> str:
    """Pays `amount` in `currency` to `payee` with a memo."""
    with open(log_path, "a", encoding="utf-8") as file:
        file.write(json.dumps({"amount": amount, "currency": currency, "payee": payee, "memo": memo}) + "\n")
    return f"paid {amount} {currency} to {payee}"


if __name__ == "__main__":
    server.run("stdio")
