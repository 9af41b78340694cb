/**
 * Set-based seeding of the scale benchmark's database: users and what years of use leave
 * behind (sessions, refresh tokens mostly consumed, security events, settled mail), plus a
 * tail of heavy users. Every row comes from `INSERT … SELECT … generate_series`, so a million
 * users take minutes. Ids are spread over the whole key space (`scale_uuid`), as random ids are
 * in a database years old, so what the service inserts lands among them, not after them; each
 * chunk's rows are inserted in id order, so the primary keys still fill page after page.
 */
import type { Sql } from "postgres";

/** Rows per ordinary user, and what a heavy user has. */
export interface SeedShape {
  sessionsPerUser: number;
  refreshTokensPerUser: number;
  eventsPerUser: number;
  mailPerUser: number;
  /** One heavy user per this many users (at least one once there are users) */
  usersPerHeavy: number;
  heavySessions: number;
  heavyEvents: number;
}

export const DEFAULT_SHAPE: SeedShape = {
  sessionsPerUser: 2,
  refreshTokensPerUser: 10,
  eventsPerUser: 20,
  mailPerUser: 3,
  usersPerHeavy: 100_000,
  heavySessions: 10_000,
  heavyEvents: 100_000,
};

/** How many rows of each kind a database of `users` ordinary users holds, heavy users included. */
export interface SeedCounts {
  users: number;
  heavyUsers: number;
  sessions: number;
  refreshTokens: number;
  securityEvents: number;
  mail: number;
  /** Rows housekeeping may delete: expired or past retention */
  expired: { sessions: number; refreshTokens: number; securityEvents: number; mail: number };
}

/** Heavy users in a database of `users` ordinary ones. */
export function heavyUsersFor(users: number, shape: SeedShape = DEFAULT_SHAPE): number {
  return users === 0 ? 0 : Math.max(1, Math.floor(users / shape.usersPerHeavy));
}

/**
 * Per ordinary user n (1-based): session 0 is live; session 1 is revoked when n % 5 = 1 and
 * expired when n % 10 = 0. Refresh tokens alternate between the two sessions; all but the last
 * of each session are consumed, and token 0 expired a day ago (a backlog for housekeeping), as
 * did the tokens of an expired session (the service's sessions expire with their last token).
 * Events are spread over 400 days, so the oldest (1 in 20) is past a year's retention; of the
 * mail, the oldest (1 in 3) is past the 30 days settled mail is kept.
 */
export function countsFor(users: number, shape: SeedShape = DEFAULT_SHAPE): SeedCounts {
  const heavyUsers = heavyUsersFor(users, shape);
  const multiples = (k: number) => Math.floor(users / k);
  return {
    users,
    heavyUsers,
    sessions: users * shape.sessionsPerUser + heavyUsers * shape.heavySessions,
    refreshTokens: users * shape.refreshTokensPerUser + heavyUsers * shape.heavySessions,
    securityEvents: users * shape.eventsPerUser + heavyUsers * shape.heavyEvents,
    mail: users * shape.mailPerUser,
    expired: {
      sessions: shape.sessionsPerUser > 1 ? multiples(10) : 0,
      // Token 0 of every user, and every token of the expired sessions
      refreshTokens: users +
        (shape.sessionsPerUser > 1 && shape.refreshTokensPerUser > 1
          ? multiples(10) * (Math.floor((shape.refreshTokensPerUser - 2) / shape.sessionsPerUser) + 1)
          : 0),
      securityEvents: users * Math.ceil(shape.eventsPerUser / 20),
      mail: users * Math.ceil(shape.mailPerUser / 3),
    },
  };
}

/** The email of ordinary user n and of heavy user h. */
export function scaleEmail(n: number): string {
  return `scale-${String(n).padStart(9, "0")}@scale.test`;
}
export function heavyEmail(h: number): string {
  return `scale-heavy-${h}@scale.test`;
}

/**
 * `count` address prefixes of ordinary users for the admin user search, drawn at random over
 * the `users` seeded: each is `scale-` and the first seven of the nine digits of `scaleEmail`,
 * so it matches the 100 users of one block (99 in the first), more than a page of results.
 * Below 100 users, the one prefix every ordinary address starts with.
 */
export function scaleEmailPrefixes(users: number, count: number, random: () => number = Math.random): string[] {
  const blocks = Math.floor(users / 100);
  if (blocks === 0) return ["scale-0"];
  return Array.from({ length: count }, () => `scale-${String(Math.floor(random() * blocks)).padStart(7, "0")}`);
}

// Row kinds in the 4th group of a seeded id, so ids of different tables never collide
const TAG = { user: 1, session: 2, token: 3, event: 4, mail: 5, heavyUser: 6 } as const;

/**
 * Creates `scale_uuid(tag, n)` in the benchmark's database: the MD5 of tag and n as a UUID, spread
 * over the key space as version-4 ids are. (Ids that grew with n, as they did before, put every
 * seeded key below every random key the service makes: each of its inserts then went to the
 * newest pages of the index, a best case that no database of random ids has.)
 */
export async function createSeedFunctions(sql: Sql): Promise<void> {
  // One expression, no FROM: PostgreSQL inlines it into each INSERT … SELECT instead of calling it per row
  await sql.unsafe(`
    create or replace function scale_uuid(tag int, n bigint) returns uuid language sql immutable parallel safe as $$
      select md5(tag::text || ':' || n::text)::uuid
    $$`);
  // A token hash in the form the service stores (64 hex digits) that sorts as the token's id does,
  // so the unique index of hashes fills in order too, while its keys are spread as real hashes are
  await sql.unsafe(`
    create or replace function scale_token_hash(id uuid) returns text language sql immutable parallel safe as $$
      select replace(id::text, '-', '') || md5(id::text)
    $$`);
}

/** Seeds ordinary users `from`..`to` (1-based, inclusive) with their rows; heavy users apart. */
export async function seedOrdinaryUsers(
  sql: Sql,
  range: { from: number; to: number },
  passwordHash: string,
  shape: SeedShape = DEFAULT_SHAPE,
): Promise<void> {
  if (range.to < range.from) return;
  const { from, to } = range;
  const S = shape.sessionsPerUser;
  const R = shape.refreshTokensPerUser;
  const E = shape.eventsPerUser;
  const M = shape.mailPerUser;
  await sql`
    insert into users (id, email, email_normalized, name, password_hash, email_verified, created_at, updated_at)
    select scale_uuid(${TAG.user}, n), e, e, 'User ' || n, ${passwordHash}, true,
           now() - interval '400 days' + (n % 300) * interval '1 day', now() - (n % 30) * interval '1 day'
    from generate_series(${from}::bigint, ${to}::bigint) as n,
         lateral (select 'scale-' || lpad(n::text, 9, '0') || '@scale.test' as e) as address`;
  const children: Array<(q: Sql) => Promise<unknown>> = [];
  children.push((q) =>
    q`
    insert into sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, use_count,
                          revoked_at, revoked_reason)
    select scale_uuid(${TAG.session}, n * ${S} + j), scale_uuid(${TAG.user}, n), created, created + interval '2 days',
           case when j = 1 and n % 10 = 0 then now() - interval '1 day' else created + interval '90 days' end,
           '203.0.113.' || (n % 250 + 1), 'JessyApp/2.3 (iOS 18.1)', 5 + j,
           case when j = 1 and n % 5 = 1 then created + interval '3 days' end,
           case when j = 1 and n % 5 = 1 then 'logout' end
    from generate_series(${from}::bigint, ${to}::bigint) as n, generate_series(0, ${S - 1}) as j,
         lateral (select date_trunc('milliseconds', now() - ((n * 7 + j * 13) % 60) * interval '1 day' - j * interval '1 hour')
                  as created) as c
    order by 1`
  );
  children.push((q) =>
    q`
    insert into refresh_tokens (id, session_id, user_id, token_hash, created_at, expires_at, consumed_at, replaced_by)
    select scale_uuid(${TAG.token}, n * ${R} + k), scale_uuid(${TAG.session}, n * ${S} + k % ${S}),
           scale_uuid(${TAG.user}, n), scale_token_hash(scale_uuid(${TAG.token}, n * ${R} + k)),
           issued,
           -- As the service keeps it: a session expires with its last token, so an expired session's tokens expired too
           case when k = 0 or (k % ${S} = 1 and n % 10 = 0) then now() - interval '1 day' else issued + interval '30 days' end,
           case when k < ${R - S} then issued + interval '1 hour' end,
           case when k < ${R - S} then scale_uuid(${TAG.token}, n * ${R} + k + ${S}) end
    from generate_series(${from}::bigint, ${to}::bigint) as n, generate_series(0, ${R - 1}) as k,
         lateral (select now() - (${R} - k) * interval '2 days' as issued) as t
    order by 1`
  );
  children.push((q) =>
    q`
    insert into security_events (id, user_id, type, ip, user_agent, request_id, created_at)
    select scale_uuid(${TAG.event}, n * ${E} + e), scale_uuid(${TAG.user}, n),
           (array['signin_succeeded', 'signin_failed', 'logout', 'session_revoked', 'password_reset_requested'])[e % 5 + 1],
           '203.0.113.' || (n % 250 + 1), 'JessyApp/2.3 (iOS 18.1)', (n * ${E} + e)::text,
           date_trunc('milliseconds', now() - (e * 400.0 / ${E}) * interval '1 day' - (n % 1000) * interval '1 second')
    from generate_series(${from}::bigint, ${to}::bigint) as n, generate_series(0, ${E - 1}) as e
    order by 1`
  );
  children.push((q) =>
    q`
    insert into mail_outbox (id, to_address, subject, template, status, attempts, next_attempt_at, created_at, sent_at)
    select scale_uuid(${TAG.mail}, n * ${M} + m), 'scale-' || lpad(n::text, 9, '0') || '@scale.test',
           'Your code', 'verification', 'sent', 1, sent, sent, sent
    from generate_series(${from}::bigint, ${to}::bigint) as n, generate_series(0, ${M - 1}) as m,
         lateral (select now() - (m * 45.0 / ${M}) * interval '1 day' - interval '1 day' * (m = ${M - 1})::int * 10
                  as sent) as s
    order by 1`
  );
  await inParallel(sql, children);
}

/** Seeds heavy users `from`..`to` (1-based, inclusive): many live sessions and a long audit trail. */
export async function seedHeavyUsers(
  sql: Sql,
  range: { from: number; to: number },
  passwordHash: string,
  shape: SeedShape = DEFAULT_SHAPE,
): Promise<void> {
  if (range.to < range.from) return;
  const { from, to } = range;
  await sql`
    insert into users (id, email, email_normalized, name, password_hash, email_verified, created_at, updated_at)
    select scale_uuid(${TAG.heavyUser}, h), e, e, 'Heavy ' || h, ${passwordHash}, true,
           now() - interval '400 days', now()
    from generate_series(${from}::bigint, ${to}::bigint) as h,
         lateral (select 'scale-heavy-' || h || '@scale.test' as e) as address`;
  const children: Array<(q: Sql) => Promise<unknown>> = [];
  // Ids of heavy users' rows start past every ordinary user's (n < 2^40)
  const base = String(2 ** 40);
  children.push((q) =>
    q`
    insert into sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, use_count)
    select scale_uuid(${TAG.session}, ${base}::bigint + h * ${shape.heavySessions} + j), scale_uuid(${TAG.heavyUser}, h),
           date_trunc('milliseconds', now() - (j % 80) * interval '1 day' - j * interval '1 second'),
           now() - (j % 7) * interval '1 hour',
           now() + interval '30 days', '198.51.100.' || (j % 250 + 1), 'Device/' || j, 3
    from generate_series(${from}::bigint, ${to}::bigint) as h, generate_series(0, ${shape.heavySessions - 1}) as j
    order by 1`
  );
  children.push((q) =>
    q`
    insert into refresh_tokens (id, session_id, user_id, token_hash, created_at, expires_at)
    select scale_uuid(${TAG.token}, ${base}::bigint + h * ${shape.heavySessions} + j),
           scale_uuid(${TAG.session}, ${base}::bigint + h * ${shape.heavySessions} + j), scale_uuid(${TAG.heavyUser}, h),
           scale_token_hash(scale_uuid(${TAG.token}, ${base}::bigint + h * ${shape.heavySessions} + j)),
           now() - interval '1 day', now() + interval '29 days'
    from generate_series(${from}::bigint, ${to}::bigint) as h, generate_series(0, ${shape.heavySessions - 1}) as j
    order by 1`
  );
  children.push((q) =>
    q`
    insert into security_events (id, user_id, type, ip, user_agent, request_id, created_at)
    select scale_uuid(${TAG.event}, ${base}::bigint + h * ${shape.heavyEvents} + e), scale_uuid(${TAG.heavyUser}, h),
           (array['signin_succeeded', 'signin_failed', 'logout', 'session_revoked'])[e % 4 + 1],
           '198.51.100.' || (e % 250 + 1), 'Device/' || (e % 10000), e::text,
           date_trunc('milliseconds', now() - (e * 360.0 / ${shape.heavyEvents}) * interval '1 day')
    from generate_series(${from}::bigint, ${to}::bigint) as h, generate_series(0, ${shape.heavyEvents - 1}) as e
    order by 1`
  );
  await inParallel(sql, children);
}

/**
 * Runs independent inserts on as many connections as the client has, each in a transaction of
 * its own that skips foreign-key triggers (the rows are consistent by construction).
 */
async function inParallel(sql: Sql, statements: Array<(q: Sql) => Promise<unknown>>): Promise<void> {
  await Promise.all(statements.map((statement) => bulkTransaction(sql, statement)));
}

async function bulkTransaction(sql: Sql, work: (q: Sql) => Promise<unknown>): Promise<void> {
  await sql.begin(async (trx) => {
    await trx.unsafe("set local synchronous_commit = off");
    // Superuser only: the benchmark connects as postgres
    await trx.unsafe("set local session_replication_role = replica");
    await work(trx as unknown as Sql);
  });
}

/** Grows the database from `previous` to `users` ordinary users (and their share of heavy users). */
export async function growTo(
  sql: Sql,
  previous: number,
  users: number,
  passwordHash: string,
  shape: SeedShape = DEFAULT_SHAPE,
): Promise<void> {
  await createSeedFunctions(sql);
  const rebuild = await dropSecondaryIndexes(sql);
  // One transaction per chunk keeps memory and WAL in check; the chunks still add up to set-based work
  const chunk = 250_000;
  for (let from = previous + 1; from <= users; from += chunk) {
    const to = Math.min(users, from + chunk - 1);
    await seedOrdinaryUsers(sql, { from, to }, passwordHash, shape);
  }
  await seedHeavyUsers(
    sql,
    { from: heavyUsersFor(previous, shape) + 1, to: heavyUsersFor(users, shape) },
    passwordHash,
    shape,
  );
  await rebuildIndexes(sql, rebuild);
}

const GROWN_TABLES = ["users", "sessions", "refresh_tokens", "security_events", "mail_outbox"];

/**
 * Drops the grown tables' indexes that back no constraint, and returns their definitions: one
 * sorted build per index after the load is several times faster than keeping each up to date
 * row by row. (The rebuilt indexes are as compact as after a REINDEX: a best case for reads.)
 */
async function dropSecondaryIndexes(sql: Sql): Promise<string[]> {
  const rows = await sql`
    select i.indexname, i.indexdef from pg_indexes i
    where i.schemaname = current_schema() and i.tablename = any(${GROWN_TABLES})
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
  for (const row of rows) await sql.unsafe(`drop index ${row.indexname}`);
  return rows.map((row) => row.indexdef as string);
}

async function rebuildIndexes(sql: Sql, definitions: string[]): Promise<void> {
  await sql.begin(async (trx) => {
    await trx.unsafe("set local maintenance_work_mem = '512MB'");
    for (const definition of definitions) await trx.unsafe(definition);
  });
}
