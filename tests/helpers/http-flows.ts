/** End-to-end account set-up through the public API of a running server (development outbox). */

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Waits for the development outbox to hold a code for `email` and returns it. */
export async function otpFromOutbox(baseUrl: string, email: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/dev/outbox?limit=100`);
    if (!response.ok) throw new Error(`GET /dev/outbox answered ${response.status}: ${await response.text()}`);
    const { messages } = await response.json() as { messages: Array<{ to: string; otp?: string }> };
    const found = messages.find((message) => message.to === email && message.otp);
    if (found?.otp) return found.otp;
    // Real time: the server is another process (a spawned `deno run`), its clock out of reach
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no code for ${email} in the outbox`);
}

/** Signs up and verifies an account; returns its credentials. */
export async function verifiedAccount(baseUrl: string, label = "user") {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const password = "correct horse battery staple";
  const signup = await postJson(`${baseUrl}/auth/signup`, { email, password });
  if (signup.status !== 201) throw new Error(`signup answered ${signup.status}: ${await signup.text()}`);
  await signup.body?.cancel();
  const otp = await otpFromOutbox(baseUrl, email);
  const verify = await postJson(`${baseUrl}/auth/verify-email`, { email, otp });
  if (verify.status !== 200) throw new Error(`verify answered ${verify.status}: ${await verify.text()}`);
  await verify.body?.cancel();
  return { email, password };
}
