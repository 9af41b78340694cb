import { assert, assertEquals } from "../helpers/assert.ts";
import { startServer } from "../helpers/server.ts";

const PRLIMIT = ["/usr/bin/prlimit", "/bin/prlimit"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});
if (!PRLIMIT) console.log("skipped: the accept-failure test needs prlimit (apt-get install util-linux)");

async function openFiles(pid: number): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) count++;
  return count;
}

Deno.test({
  name: "faults: when half-finished requests take every file descriptor, the server exits 1 instead of idling deaf",
  sanitizeResources: false,
  sanitizeOps: false,
  ignore: !PRLIMIT && Deno.env.get("CI") !== "true",
  async fn() {
    const server = await startServer();
    const held: Deno.Conn[] = [];
    let exited = false;
    try {
      const pid = server.process.pid;
      const limit = await openFiles(pid) + 16;
      const prlimit = await new Deno.Command(PRLIMIT!, { args: [`--pid=${pid}`, `--nofile=${limit}:${limit}`] })
        .output();
      assert(prlimit.success, new TextDecoder().decode(prlimit.stderr));
      const { port } = new URL(server.url);
      const half = new TextEncoder().encode("GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Half: ");
      // Deno.serve has no header-read timeout: each of these holds a descriptor until the client hangs up
      for (let i = 0; i < 64; i++) {
        try {
          const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
          held.push(connection);
          await connection.write(half);
        } catch {
          break; // refused or reset: the listener is gone
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        server.process.status,
        new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), 15_000)),
      ]);
      clearTimeout(timer);
      assert(status, "the server is still running 15 s after it stopped accepting connections");
      exited = true;
      assertEquals(status.code, 1);
      assert(server.lines.some((line) => line.message === "server stopped accepting connections"), "logged");
      assert(server.lines.some((line) => line.message === "stopped"), "closed its resources on the way out");
    } finally {
      for (const connection of held) {
        try {
          connection.close();
        } catch { /* closed by the server */ }
      }
      await server.stop(exited ? "SIGTERM" : "SIGKILL");
    }
  },
});
