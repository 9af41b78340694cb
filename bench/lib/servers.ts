import { REPO_ROOT } from "./paths.ts";
import { type ServerProcess, startServer } from "./processes.ts";

/** Secrets of the benchmark's own instances: long enough for production, distinct. */
export const BENCH_SECRETS = {
  JWT_SECRET: "bench-access-secret-0123456789abcdef0123456789",
  JWT_REFRESH_SECRET: "bench-refresh-secret-fedcba9876543210fedcba98",
};

/** Seals the benchmark's signing keys (32 bytes, base64), for the EdDSA and ES256 scenarios. */
export const BENCH_KEY_ENCRYPTION_KEY = btoa("bench-key-encryption-key-32bytes");

/** Pool size of the service and of the ceilings alike. */
export const POOL_SIZE = 10;

const HIGH_LIMIT = "100000";
// Environment names the service reads: the caller's own values must not leak into a run
const SERVICE_ENV =
  /^(ENVIRONMENT|DEBUG_MODE|HOST|PORT|APP_URL|TRUST_PROXY|JWT_|ACCESS_TOKEN_|REFRESH_TOKEN_|REFRESH_REUSE_|HMAC_SECRET|KEY_ENCRYPTION_KEY|BCRYPT_|CORS_|DATABASE_|REDIS_URL|UPSTASH_|RATE_LIMIT_|SMTP_|FROM_EMAIL|OTP_|BODY_LIMIT_|METRICS_|OTEL_)/;

function baseEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(Deno.env.toObject()).filter(([name]) => !SERVICE_ENV.test(name)));
}

export interface AppEnvOptions {
  port: number;
  /** One APP_URL for every instance: it is the tokens' issuer, so tokens work on each */
  appUrl: string;
  databaseUrl: string;
  /** Unset keeps rate limits and the revocation cache in memory */
  redisUrl?: string;
  bcryptCost: number;
}

/** The production environment of a benchmarked instance, rate limits raised out of the way. */
export function appEnv(options: AppEnvOptions): Record<string, string> {
  const url = options.appUrl;
  const env: Record<string, string> = {
    ...baseEnv(),
    ...BENCH_SECRETS,
    ENVIRONMENT: "production",
    HOST: "127.0.0.1",
    PORT: String(options.port),
    APP_URL: url,
    CORS_ALLOWED_ORIGINS: url,
    // wrk sends X-Forwarded-For from a crowd of addresses, as a load balancer would
    TRUST_PROXY: "1",
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    // Nothing listens on port 9: the benchmarked routes only queue mail in the outbox
    SMTP_SERVER: "127.0.0.1",
    SMTP_PORT: "9",
    BCRYPT_COST: String(options.bcryptCost),
    // Tokens minted at the start must outlive the whole run
    ACCESS_TOKEN_TTL_SECONDS: "86400",
    RATE_LIMIT_AUTH_PER_MINUTE: HIGH_LIMIT,
    RATE_LIMIT_EMAIL_VERIFICATION_PER_MINUTE: HIGH_LIMIT,
    RATE_LIMIT_PUBLIC_PER_MINUTE: HIGH_LIMIT,
    RATE_LIMIT_GENERAL_PER_MINUTE: HIGH_LIMIT,
    RATE_LIMIT_VOICE_PER_MINUTE: HIGH_LIMIT,
    RATE_LIMIT_SECURITY_TEST_PER_MINUTE: HIGH_LIMIT,
    RATE_LIMIT_ADMIN_PER_MINUTE: HIGH_LIMIT,
  };
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  return env;
}

/** The `deno run …` words of a deno.json task (`start`, `migrate`), so flags stay in one place. */
export async function taskCommand(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`)) as { tasks: Record<string, string> };
  const words = config.tasks[task]?.split(/\s+/).filter(Boolean);
  if (!words || words[0] !== "deno") throw new Error(`deno.json has no plain deno task ${task}`);
  return words;
}

/** Applies the migrations with `src/main.ts migrate`; returns how long it took in ms. */
export async function migrate(env: Record<string, string>): Promise<number> {
  const [command, ...args] = await taskCommand("migrate");
  const started = performance.now();
  const output = await new Deno.Command(command, { args, env, cwd: REPO_ROOT, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `migrate failed:\n${new TextDecoder().decode(output.stdout)}${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return performance.now() - started;
}

/** Starts the service (`deno task start`'s command) and waits for /health/ready. */
export async function startApp(name: string, env: Record<string, string>, cpus?: string): Promise<ServerProcess> {
  return await startServer({
    name,
    command: await taskCommand("start"),
    env,
    port: Number(env.PORT),
    readyPath: "/health/ready",
    cpus,
    cwd: REPO_ROOT,
  });
}

/** Starts a ceiling server from bench/ceilings/. */
export async function startCeiling(
  script: string,
  port: number,
  env: Record<string, string>,
  cpus?: string,
): Promise<ServerProcess> {
  return await startServer({
    name: script.replace(/\.ts$/, ""),
    command: ["deno", "run", "--allow-net", "--allow-env", "--allow-read", "--allow-ffi", `bench/ceilings/${script}`],
    env: { ...baseEnv(), ...env, PORT: String(port), DATABASE_POOL_SIZE: String(POOL_SIZE) },
    port,
    readyPath: "/ready",
    cpus,
    cwd: REPO_ROOT,
  });
}
