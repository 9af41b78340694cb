import postgres from "postgres";
import { sha256Hex } from "../../src/services/secrets.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config.ts";
import { createDatabase } from "../../src/db/database.ts";
import { assembleDeps } from "../../src/deps.ts";
import { createLogger } from "../../src/logger.ts";
import { createAdminKeyService } from "../../src/services/admin/api-keys.ts";
import type { PublicJwk } from "../../src/services/keys/key-ring.ts";
import { STANDBY_SECONDS } from "../../src/services/keys/timing.ts";

/** Where the benchmark's own database lives; never the `test` database. */
export interface BenchDatabase {
  url: string;
  /** Drops the database (and every connection to it) */
  drop(): Promise<void>;
}

const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

function adminClient() {
  return postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
}

/** Drops and re-creates the named database, so every run starts empty. */
export async function recreateDatabase(name: string): Promise<BenchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unsafe database name ${name}`);
  const admin = adminClient();
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    async drop() {
      const client = adminClient();
      try {
        await client.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Verified accounts that share one password hash: `<prefix>-<n>@bench.test`. */
export interface SeededUsers {
  emails: string[];
  password: string;
}

/** Inserts verified users directly in SQL (the sign-up flow is not what is measured). */
export async function seedUsers(
  url: string,
  options: { prefix: string; count: number; passwordHash: string; password: string },
): Promise<SeededUsers> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`
      insert into users (email, email_normalized, password_hash, email_verified)
      select ${options.prefix} || '-' || n || '@bench.test', ${options.prefix} || '-' || n || '@bench.test',
             ${options.passwordHash}, true
      from generate_series(1, ${options.count}::int) as n
      returning email`;
    return { emails: rows.map((row) => row.email as string), password: options.password };
  } finally {
    await sql.end();
  }
}

/**
 * Opens one session per token for the rotation ceiling: opaque tokens `<row id>.<secret>`,
 * stored as their SHA-256 like the service stores its refresh tokens.
 */
export async function seedCeilingRefreshTokens(url: string, emails: string[], count: number): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const users = await sql`select id from users where email = any(${emails})`;
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const userId = users[i % users.length].id as string;
      const sessionId = crypto.randomUUID();
      const tokenId = crypto.randomUUID();
      const token = `${tokenId}.${crypto.randomUUID()}`;
      await sql`insert into sessions (id, user_id, expires_at) values (${sessionId}, ${userId}, now() + interval '30 days')`;
      await sql`
        insert into refresh_tokens (id, session_id, user_id, token_hash, expires_at)
        values (${tokenId}, ${sessionId}, ${userId}, ${sha256Hex(token)}, now() + interval '30 days')`;
      tokens.push(token);
    }
    return tokens;
  } finally {
    await sql.end();
  }
}

/**
 * Makes a key pair of `alg` current in the service's database, through the service's own key
 * service, and returns its public JWK. Generated on a clock set back by the standby period:
 * a run cannot wait out the 310 s the service enforces between publication and signing.
 */
export async function seedSigningKey(env: Record<string, string>, alg: "EdDSA" | "ES256"): Promise<PublicJwk> {
  const { config } = loadConfig(env);
  const database = await createDatabase({ url: config.database.url, poolSize: 2 });
  const clock = new ManualClock(Date.now() - (STANDBY_SECONDS + 1) * 1000);
  const logger = createLogger({ level: "error", write: () => {} });
  const assembly = assembleDeps({ config, logger, clock, database });
  try {
    const { kid } = await assembly.deps.keys.generate(alg);
    clock.advance((STANDBY_SECONDS + 1) * 1000);
    await assembly.deps.keys.activate(kid);
    return (await assembly.deps.keys.jwks()).keys.find((key) => key.kid === kid)!;
  } finally {
    await assembly.close();
    await database.close();
  }
}

/**
 * Creates an admin API key in the service's database through the admin key service, the path
 * `deno task admin-key create` takes (names, scopes and hashing checked there); returns the
 * key, which is stored nowhere but in the caller's hands.
 */
export async function mintAdminKey(url: string, name: string, scopes: string[]): Promise<string> {
  const database = await createDatabase({ url, poolSize: 1 });
  try {
    return (await createAdminKeyService({ db: database.db, clock: systemClock }).create({ name, scopes })).key;
  } finally {
    await database.close();
  }
}
