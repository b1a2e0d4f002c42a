"""A slow upstream MCP server for the proxy's tests (official Python SDK, stdio).

Its one tool, `slow_count`, counts to `steps`, sleeping `pause` seconds per step and reporting
progress on the caller's token after each. It writes `<marker>.started` when it begins and
`<marker>.finished` when it completes, so a test can tell whether a cancelled call stopped.
"""

import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("slow-upstream")


@server.tool()
async def slow_count(steps: int, pause: float, marker: str, ctx: Context) -> str:
    """Counts slowly, reporting progress after every step."""
    with open(marker + ".started", "w") as file:
        file.write("started\n")
    for step in range(1, steps + 1):
        await anyio.sleep(pause)
        await ctx.report_progress(step, steps, f"step {step} of {steps}")
    with open(marker + ".finished", "w") as file:
        file.write("finished\n")
    return f"counted to {steps}"


if __name__ == "__main__":
    server.run(sys.argv[1] if len(sys.argv) > 1 else "stdio")
