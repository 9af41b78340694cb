/**
 * Cost of the password policy's strength estimate: the first check of a process (it loads the
 * dictionaries), then per check for passwords people type and for long ones built to be
 * expensive (l33t characters and repeats over the whole 72 bytes). The estimate runs on the
 * event loop, so its worst case is what every other request of the instance waits.
 *
 *   deno run -A bench/password-strength.ts [ROUNDS=20]
 */
import { createPasswordPolicy } from "../src/services/accounts/credentials/password-policy.ts";

const rounds = Number(Deno.args[0] ?? 20);
const EMAIL = "robin.hood@example.com";
const TYPED = [
  "correct horse battery staple",
  "a brand new passphrase",
  "Tr0ub4dor&3",
  "zq7Vw2xK",
  "JessyAI2026!",
  "12345678abcd",
  "p@ssword123",
  "Wilhelmina Oyelaran-Kaczmarek 7",
];
const COSTLY = [
  "Tr0ub4dor&3-".repeat(6),
  "4@3!1$0#7&5+".repeat(6),
  "a1b2c3d4e5f6g7h8i9j0".repeat(3) + "k1l2m3n4o5p6",
  "|_|\\/|(!4-".repeat(7),
];

async function timeOne(policy: ReturnType<typeof createPasswordPolicy>, password: string): Promise<number> {
  const started = performance.now();
  await policy.check(password, EMAIL, "password").catch(() => {});
  return performance.now() - started;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms (${sorted.length} checks)`;
}

const importStarted = performance.now();
const policy = createPasswordPolicy();
console.log(`policy built: ${(performance.now() - importStarted).toFixed(1)} ms (no dictionary loaded yet)`);
console.log(`first check (loads the dictionaries): ${(await timeOne(policy, "warm up the estimator")).toFixed(1)} ms`);
for (const [label, passwords] of [["typed", TYPED], ["costly 72-byte", COSTLY]] as const) {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const password of passwords) samples.push(await timeOne(policy, password));
  }
  console.log(`${label}: ${summary(samples)}`);
}
