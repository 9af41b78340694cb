/**
 * One HTTP/1.1 POST to an address checked beforehand (address-policy.ts): the connection goes to
 * that address, TLS verifies the certificate for the URL's host, `Host` names it. Only the status
 * line is read; a redirect is an answer like any other non-2xx, never followed.
 * @module
 */
import type { WebhookTarget } from "./address-policy.ts";

const encoder = new TextEncoder();
const MAX_HEAD_BYTES = 8192;

/** Posts `body` and resolves to the receiver's status code; rejects when `signal` aborts first. */
export async function postToTarget(
  target: WebhookTarget,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<number> {
  signal.throwIfAborted();
  const { url, address } = target;
  const https = url.protocol === "https:";
  const port = Number(url.port || (https ? 443 : 80));
  let conn: Deno.Conn = await Deno.connect({ hostname: address, port, transport: "tcp" });
  const abort = () => conn.close();
  signal.addEventListener("abort", abort, { once: true });
  try {
    if (https) conn = await Deno.startTls(conn as Deno.TcpConn, { hostname: url.hostname.replace(/^\[(.*)\]$/, "$1") });
    const payload = encoder.encode(body);
    const lines = [
      `POST ${url.pathname}${url.search} HTTP/1.1`,
      `Host: ${url.host}`,
      "Content-Type: application/json",
      `Content-Length: ${payload.byteLength}`,
      "Connection: close",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    await writeAll(conn, encoder.encode(lines.join("\r\n") + "\r\n\r\n"));
    await writeAll(conn, payload);
    return await readStatus(conn);
  } catch (error) {
    if (signal.aborted) throw new Error("Receiver did not answer within the deadline", { cause: error });
    throw error;
  } finally {
    signal.removeEventListener("abort", abort);
    try {
      conn.close();
    } catch {
      // Closed already by the deadline
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.byteLength;) written += await conn.write(bytes.subarray(written));
}

/** Reads up to the end of the status line: `HTTP/1.1 204 No Content`. */
async function readStatus(conn: Deno.Conn): Promise<number> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  while (length < buffer.byteLength) {
    const read = await conn.read(buffer.subarray(length));
    if (read === null) break;
    length += read;
    const head = new TextDecoder().decode(buffer.subarray(0, length));
    const end = head.indexOf("\r\n");
    if (end < 0) continue;
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head.slice(0, end));
    if (!match) throw new Error("Receiver answered something other than HTTP/1.1");
    return Number(match[1]);
  }
  throw new Error("Receiver closed the connection without an answer");
}
