/** A token pair as POST /auth/signin returns it. */
export interface MintedPair {
  access_token: string;
  refresh_token: string;
}

/**
 * Signs in through the public API, `count` times over the given accounts, a few at a time.
 * The accounts' hashes are cheap (cost 4) so minting takes seconds, not minutes; throws
 * with the first refusal when sign-in does not hand out tokens.
 */
export async function mintPairs(
  baseUrl: string,
  emails: string[],
  password: string,
  count: number,
): Promise<MintedPair[]> {
  const pairs: MintedPair[] = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next++;
      const response = await fetch(`${baseUrl}/auth/signin`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `10.99.${index >> 8 & 255}.${index & 255}` },
        body: JSON.stringify({ email: emails[index % emails.length], password }),
      });
      const body = await response.json();
      if (response.status !== 200 || typeof body.refresh_token !== "string") {
        throw new Error(`Sign-in gave ${response.status} ${body.code ?? ""}: ${body.detail ?? ""}`.trim());
      }
      pairs.push({ access_token: body.access_token, refresh_token: body.refresh_token });
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker));
  return pairs;
}

/** Writes one line per value to a temporary file for a wrk script to read. */
export async function linesFile(values: string[]): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "jessy-bench-", suffix: ".txt" });
  await Deno.writeTextFile(path, values.join("\n") + "\n");
  return path;
}
