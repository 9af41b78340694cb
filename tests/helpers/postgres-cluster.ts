import postgres from "postgres";
import { freeServicePort } from "./free-port.ts";
import { requireInstalled } from "./installed.ts";
/** A throwaway PostgreSQL cluster of a test's own, safe to stop, restart and starve. */
export interface PostgresCluster {
  readonly port: number;
  /** postgres:// URL of the cluster's `postgres` database (trust auth on loopback) */
  readonly url: string;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast` (default: disconnects every client) or `-m immediate` (no shutdown, crash recovery next start) */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Terminates every backend except the caller's (pg_terminate_backend) */
  terminateBackends(): Promise<number>;
  /** Stops the server and removes its data directory */
  destroy(): Promise<void>;
}

const IS_ROOT = Deno.uid() === 0;

/** initdb and pg_ctl refuse to run as root: run them as the postgres user then. */
async function run(bin: string, command: "initdb" | "pg_ctl", args: string[]): Promise<string> {
  const path = `${bin}/${command}`;
  const [program, programArgs] = IS_ROOT ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
  const output = await new Deno.Command(program, { args: programArgs, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`${command} failed: ${text}`);
  return text;
}

/** initdb in a temporary directory, then pg_ctl start on a free loopback port. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = requireInstalled("postgres");
  const dir = await Deno.makeTempDir({ prefix: "jessy-pg-" });
  if (IS_ROOT) await new Deno.Command("chown", { args: ["-R", "postgres:postgres", dir] }).output();
  const data = `${dir}/data`;
  const port = freeServicePort();
  await run(bin, "initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  async function start() {
    await run(bin, "pg_ctl", ["-D", data, "-o", options, "-l", `${dir}/log`, "-w", "-t", "30", "start"]);
  }
  async function stop(mode: "fast" | "immediate" = "fast") {
    await run(bin, "pg_ctl", ["-D", data, "-m", mode, "-w", "stop"]);
  }
  await start();
  return {
    port,
    url,
    start,
    stop,
    async terminateBackends() {
      const client = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await client`
          select count(pg_terminate_backend(pid)) as terminated from pg_stat_activity
          where pid <> pg_backend_pid() and backend_type = 'client backend'`;
        return Number(row.terminated);
      } finally {
        await client.end();
      }
    },
    async destroy() {
      await stop().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
