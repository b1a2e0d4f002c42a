"""An MCP client driven line by line, for the proxy's process tests.

Runs the official Python MCP SDK's client against `countersign mcp-proxy` (the command after
the arguments' `--`), reads JSON commands on stdin and prints JSON events on stdout:

  {"op": "list"}                                   -> {"event": "tools", "names": [...]}
  {"op": "call", "id": "c1", "name": "...", "arguments": {...},
   "progress": true, "confidence": 0.99, "timeout": 30}
                                                   -> {"event": "progress", "id": "c1", ...}*
                                                      {"event": "result", "id": "c1", "isError": ..., "text": ..., "meta": {...}}
  {"op": "cancel", "id": "c1"}                     -> {"event": "cancelled", "id": "c1"}
  {"op": "quit"}

Calls run concurrently. Errors are events too: {"event": "error", "id": ..., "message": ...}.

With `--url URL` instead of `-- command…` it speaks MCP's streamable HTTP transport to a running
`countersign mcp-proxy --http` (the SDK's `streamable_http_client`), sending the bearer token in
the environment variable COUNTERSIGN_MCP_TOKEN when it is set.
"""

import json
import os
import sys

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def emit(**event):
    sys.stdout.write(json.dumps(event, default=str) + "\n")
    sys.stdout.flush()


async def main():
    if "--url" in sys.argv:
        url = sys.argv[sys.argv.index("--url") + 1]
        token = os.environ.get("COUNTERSIGN_MCP_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        params = streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))
    else:
        separator = sys.argv.index("--")
        command = sys.argv[separator + 1 :]
        # Like a desktop client's "env" block: the proxy gets the gateway URL and agent key from here.
        params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    scopes = {}
    async with Client(params, mode="legacy") as client:
        emit(event="ready")
        async with anyio.create_task_group() as group:

            async def call(spec):
                call_id = spec["id"]

                async def on_progress(progress, total, message):
                    emit(event="progress", id=call_id, progress=progress, total=total, message=message)

                meta = {}
                if "confidence" in spec:
                    meta["dev.countersign/confidence"] = spec["confidence"]
                with anyio.CancelScope() as scope:
                    scopes[call_id] = scope
                    try:
                        result = await client.call_tool(
                            spec["name"],
                            spec.get("arguments", {}),
                            read_timeout_seconds=spec.get("timeout", 120),
                            progress_callback=on_progress if spec.get("progress") else None,
                            meta=meta or None,
                        )
                        text = "\n".join(getattr(c, "text", "") for c in result.content)
                        emit(
                            event="result",
                            id=call_id,
                            isError=bool(result.is_error),
                            text=text,
                            meta=result.meta or {},
                            structured=result.structured_content,
                        )
                    except Exception as error:  # noqa: BLE001 - reported to the test
                        emit(event="error", id=call_id, message=f"{type(error).__name__}: {error}")
                if scope.cancelled_caught:
                    emit(event="cancelled", id=call_id)

            while True:
                line = await anyio.to_thread.run_sync(sys.stdin.readline)
                if not line:
                    break
                spec = json.loads(line)
                if spec["op"] == "quit":
                    break
                if spec["op"] == "list":
                    tools = await client.list_tools()
                    emit(event="tools", names=sorted(t.name for t in tools.tools))
                elif spec["op"] == "call":
                    group.start_soon(call, spec)
                elif spec["op"] == "cancel":
                    scope = scopes.get(spec["id"])
                    if scope is not None:
                        scope.cancel()
            group.cancel_scope.cancel()
    emit(event="closed")


if __name__ == "__main__":
    anyio.run(main)
