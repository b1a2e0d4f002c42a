"""A minimal MCP server on stdio (newline-delimited JSON-RPC) with one tool, `refund`, that
answers "ok": the upstream for the binding cross-check with `countersign mcp-proxy`."""

import json
import sys

for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message:
        continue  # a notification
    method = message.get("method")
    if method == "initialize":
        result = {"protocolVersion": message["params"].get("protocolVersion", "2025-06-18"), "capabilities": {"tools": {}},
                  "serverInfo": {"name": "binding-check", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": [{"name": "refund", "description": "Refund an order", "inputSchema": {"type": "object"}}]}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": "ok"}], "isError": False}
    else:
        result = {}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}) + "\n")
    sys.stdout.flush()
