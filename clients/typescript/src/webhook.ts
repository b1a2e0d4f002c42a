import { base64 } from "./binding.js";
import { WebhookVerificationError } from "./errors.js";

const encoder = new TextEncoder();

function keyBytes(secret: string | Uint8Array): Uint8Array {
  if (typeof secret !== "string") return secret;
  if (secret.startsWith("whsec_")) {
    try {
      return Uint8Array.from(atob(secret.slice(6)), (char) => char.charCodeAt(0));
    } catch {
      // not base64: used as text, as the gateway does
    }
  }
  return encoder.encode(secret);
}

function header(headers: Headers | Record<string, string | string[] | undefined>, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** The `webhook-signature` value (`v1,<base64>`) for a body sent as `id` at `timestamp` (Unix seconds). */
export async function signWebhook(secret: string | Uint8Array, id: string, timestamp: number, body: string | Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", keyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const payload = typeof body === "string" ? encoder.encode(body) : body;
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const message = new Uint8Array(prefix.length + payload.length);
  message.set(prefix);
  message.set(payload, prefix.length);
  return "v1," + base64(new Uint8Array(await crypto.subtle.sign("HMAC", key, message)));
}

function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Checks a webhook from the gateway (Standard Webhooks) and returns its parsed JSON body. `body` is
 *  the raw body as received. Throws WebhookVerificationError when a header is missing, the
 *  timestamp is more than `tolerance` seconds (300) from now, or no v1 signature matches. */
export async function verifyWebhook(
  secret: string | Uint8Array, headers: Headers | Record<string, string | string[] | undefined>, body: string | Uint8Array,
  options: { tolerance?: number; now?: number } = {},
): Promise<unknown> {
  const id = header(headers, "webhook-id");
  const timestampText = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError("the webhook lacks its webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (!/^\d+$/.test(timestampText.trim())) throw new WebhookVerificationError("the webhook's timestamp is not a number of seconds");
  const timestamp = Number(timestampText.trim());
  const now = options.now ?? Date.now() / 1000;
  if (Math.abs(now - timestamp) > (options.tolerance ?? 300)) throw new WebhookVerificationError("the webhook's timestamp is too old or too new");
  const expected = (await signWebhook(secret, id, timestamp, body)).slice(3);
  for (const entry of signatures.split(/\s+/)) {
    const [version, signature] = [entry.slice(0, entry.indexOf(",")), entry.slice(entry.indexOf(",") + 1)];
    if (version === "v1" && equal(signature, expected)) {
      try {
        return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
      } catch {
        throw new WebhookVerificationError("the webhook's body is not JSON");
      }
    }
  }
  throw new WebhookVerificationError("no webhook signature matches");
}
