import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { base64url, fromBase64, fromBase64url } from "../../src/encoding.ts";

/** RFC 4648 §5 by the letter: standard base64, then the URL-safe alphabet, padding dropped. */
function reference(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

Deno.test("base64url encodes any bytes as RFC 4648 §5 without padding, views into larger buffers included", () => {
  assertEquals(base64url(new Uint8Array()), "");
  assertEquals(base64url(new Uint8Array([0xfb, 0xff])), "-_8");
  for (let length = 0; length < 300; length += 7) {
    const buffer = crypto.getRandomValues(new Uint8Array(length + 16));
    // A view that starts and ends inside its buffer: only its own bytes are encoded
    const view = buffer.subarray(5, 5 + length);
    assertEquals(base64url(view), reference(view), `length ${length}`);
    assertEquals(fromBase64url(base64url(view)), view);
  }
});

Deno.test("fromBase64url reads padded and unpadded text and refuses anything that is not base64url", () => {
  assertEquals(fromBase64url("AQID"), new Uint8Array([1, 2, 3]));
  assertEquals(fromBase64url("AQI"), new Uint8Array([1, 2]));
  assertEquals(fromBase64url("AQI="), new Uint8Array([1, 2]));
  assertEquals(fromBase64url("-_8"), new Uint8Array([251, 255]));
  for (const text of ["AQ+D", "AQ/D", "AQ D", "AQ\nD", "A", "AQIDB", "AQ==D", "AQ===", "é"]) {
    assertThrows(() => fromBase64url(text), TypeError);
  }
});

Deno.test("fromBase64 reads either alphabet, as `openssl rand -base64` prints keys", () => {
  const bytes = new Uint8Array([251, 255, 191, 62, 63]);
  assertEquals(fromBase64(btoa(String.fromCharCode(...bytes))), bytes);
  assertEquals(fromBase64(base64url(bytes)), bytes);
  assertThrows(() => fromBase64("AQ D"), TypeError);
});
