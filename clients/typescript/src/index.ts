/** Countersign for TypeScript agents: propose actions, wait for humans, run only what is allowed.
 *  Zero dependencies: Node 20's fetch and Web Crypto. Docs: docs/clients/typescript.md. */
export { Countersign } from "./client.js";
export type {
  CountersignOptions, GuardOptions, FromArgs, RetryPolicy, ToolApprovalRequest, ToolApprovalResponse, ToolCallOptions,
} from "./client.js";
export * from "./errors.js";
export * from "./models.js";
export { callBinding, canonicalJSON, canonicalNumber } from "./binding.js";
export { signWebhook, verifyWebhook } from "./webhook.js";
