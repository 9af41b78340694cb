/** What the results were measured on. */
export async function describeMachine(redisUrl: string): Promise<Record<string, string | number>> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  return {
    cpu: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? "unknown",
    cores: navigator.hardwareConcurrency,
    os: `Linux ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    wrk: await commandLine("wrk", ["--version"], /^(wrk \S+)/),
    postgres: await commandLine("psql", ["-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"], /^(.+)$/m)
      .then((version) => `PostgreSQL ${version}`),
    redis: await commandLine("redis-cli", ["-u", redisUrl, "info", "server"], /redis_version:(\S+)/),
  };
}

async function commandLine(command: string, args: string[], pattern: RegExp): Promise<string> {
  try {
    const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    return text.match(pattern)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Empties the benchmark's own Redis database (a number of its own, never the tests'). */
export async function flushRedis(redisUrl: string): Promise<void> {
  if (!/\/\d+$/.test(redisUrl) || /\/0$/.test(redisUrl)) {
    throw new Error("The bench Redis URL needs its own database number");
  }
  await new Deno.Command("redis-cli", { args: ["-u", redisUrl, "flushdb"], stdout: "null", stderr: "null" }).output();
}
