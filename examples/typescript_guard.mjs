// Gate a TypeScript/JavaScript function with Countersign: `node examples/typescript_guard.mjs`
// (build the client first: `tsc -p clients/typescript/tsconfig.json`). Variables as in python_guard.py.
import { Countersign, NotExecuted } from "../clients/typescript/dist/index.js";

const cs = new Countersign(); // COUNTERSIGN_URL, COUNTERSIGN_KEY, COUNTERSIGN_AGENT
const refund = cs.guard(
  { operation: "refund", confidence: 0.9, amount: (a) => a.amount, action: "Refund order {order}", fallback: "Tell the customer a specialist will follow up" },
  async ({ order }) => `refunded ${order}`, // your payment call goes here
);

const order = process.argv[2] ?? "A-1042";
try {
  console.log(await refund({ order, amount: 120 }));
} catch (error) {
  if (!(error instanceof NotExecuted)) throw error;
  console.log(`not executed (${error.reason}): ${error.comment ?? ""} -> ${error.fallback}`);
}
