/**
 * What an approval is bound to: the exact call, as a SHA-256 over a canonical encoding — the same
 * scheme as the gateway's MCP proxy (`CallBinding` in the Swift sources) and the Python client, so
 * a binding means the same thing whoever computes it.
 *
 * Canonical encoding (version 1): JSON with object members sorted by their UTF-8 bytes, no
 * whitespace, integers in decimal (any number with an integral value in Int64's range, as the
 * proxy's JSON layer reads it: 1e16 too), other numbers in their shortest round-trip form as Swift
 * and Python print them (`1e-05`, `1e+19`, `0.1`), strings with
 * only `"`, `\` and control characters escaped (`\u00xx`).
 */

const encoder = new TextEncoder();

/** The canonical text of a JSON value. */
export function canonicalJSON(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

/** The hex SHA-256 binding of one call (a proposal's `context.binding`). */
export async function callBinding(upstream: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const text = "countersign-mcp-binding/v1\n" + canonicalJSON({ upstream, tool, arguments: args });
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** The hex SHA-256 of a text's UTF-8 bytes. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function compareUTF8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** A number as Swift's `description` and Python's `repr` write it. */
export function canonicalNumber(number: number): string {
  if (!Number.isFinite(number)) return JSON.stringify(String(number));
  // The proxy's JSON layer reads a number with an integral value in Int64's range as an integer.
  if (Number.isInteger(number) && number >= -(2 ** 63) && number < 2 ** 63) return BigInt(number).toString();
  const [mantissa, exponentText] = number.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const positional = String(number);
  return positional.includes(".") ? positional : positional + ".0";
}

function write(value: unknown, out: string[]): void {
  if (value === null || value === undefined) out.push("null");
  else if (value === true) out.push("true");
  else if (value === false) out.push("false");
  else if (typeof value === "number") out.push(canonicalNumber(value));
  else if (typeof value === "bigint") out.push(value.toString());
  else if (typeof value === "string") writeString(value, out);
  else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, index) => {
      if (index) out.push(",");
      write(item, out);
    });
    out.push("]");
  } else if (value instanceof Uint8Array) {
    writeString("data:application/octet-stream;base64," + base64(value), out);
  } else if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort(compareUTF8);
    out.push("{");
    keys.forEach((key, index) => {
      if (index) out.push(",");
      writeString(key, out);
      out.push(":");
      write(record[key], out);
    });
    out.push("}");
  } else writeString(String(value), out);
}

function writeString(text: string, out: string[]): void {
  let escaped = '"';
  for (const char of text) {
    // for…of walks a string by code point (Unicode scalar), as Swift's unicodeScalars
    const code = char.codePointAt(0)!;
    if (char === '"') escaped += '\\"';
    else if (char === "\\") escaped += "\\\\";
    else if (code < 0x20) escaped += "\\u" + code.toString(16).padStart(4, "0");
    else escaped += char;
  }
  out.push(escaped + '"');
}

/** Base64 of bytes (no Buffer: the client runs on any runtime with fetch and Web Crypto). */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
