"""Gate a Python function with Countersign: `python examples/python_guard.py`.

Start a gateway first (`countersign serve`: it prints an agent key once), then:
    export COUNTERSIGN_URL=http://127.0.0.1:8080 COUNTERSIGN_KEY=cs_agent_… COUNTERSIGN_AGENT=trial-agent
A refund at confidence 0.9 is held for a human: approve or reject it in the console at the
gateway's URL (or through the API), and this script prints what happened.
"""

import sys

from countersign import Countersign, NotExecuted

cs = Countersign()  # COUNTERSIGN_URL, COUNTERSIGN_KEY, COUNTERSIGN_AGENT


@cs.guard(operation="refund", confidence=0.9, amount=lambda amount: amount, action="Refund order {order} ({amount} USD)",
          fallback="Tell the customer a specialist will follow up")
def refund(order: str, amount: float) -> str:
    return f"refunded {order}"  # your payment call goes here


order = sys.argv[1] if len(sys.argv) > 1 else "A-1042"
try:
    print(refund(order, 120))
except NotExecuted as error:  # Rejected, TakenOver, Expired, Escalated, StillPending
    print(f"not executed ({error.reason}): {error.comment or ''} -> {error.fallback}")
