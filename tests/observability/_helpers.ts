/** A real Prometheus (Debian's package) and a loopback OTLP receiver, for the observability tests. */
import { freeServicePort } from "../helpers/free-port.ts";
import { requireInstalled } from "../helpers/installed.ts";
import { untilPasses } from "../helpers/until.ts";

export interface PrometheusProcess {
  /** Evaluates a PromQL instant query; the sample values by their label sets */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  stop(): Promise<void>;
}

/** How long to wait for Prometheus, which scrapes on its own schedule: a query every 250 ms for 30 s */
export const SCRAPES = { timeout: 30_000, interval: 250 };

/** Starts Prometheus scraping `target` (host:port, path /metrics) every second; resolves once it is ready. */
export async function startPrometheus(target: string): Promise<PrometheusProcess> {
  const binary = requireInstalled("prometheus");
  const dir = await Deno.makeTempDir({ prefix: "jessy-prometheus-" });
  const port = freeServicePort();
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: jessy-api",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const process = new Deno.Command(binary, {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const draining = process.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr += chunk) }),
  );
  const base = `http://127.0.0.1:${port}`;

  async function stop() {
    try {
      process.kill("SIGTERM");
    } catch { /* already gone */ }
    await process.status;
    await draining.catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  async function query(promql: string) {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await response.json();
    if (body.status !== "success") throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
    return (body.data.result as { metric: Record<string, string>; value: [number, string] }[])
      .map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
  }

  try {
    // A guard, not a sleep: Prometheus starts on its own schedule, so the test polls its API
    await untilPasses(async () => {
      const response = await fetch(`${base}/-/ready`);
      await response.body?.cancel();
      if (!response.ok) throw new Error(`prometheus not ready: ${response.status}\n${stderr}`);
    }, SCRAPES);
  } catch (error) {
    await stop();
    throw error;
  }
  return { query, stop };
}

/** A span as the OTLP/HTTP JSON exporter sends it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
  events?: unknown[];
}

/** OpenTelemetry's SpanKind.SERVER */
export const SERVER_KIND = 2;

/** A loopback OTLP/HTTP (JSON) receiver keeping every payload it is sent, by signal. */
export function startOtlpReceiver() {
  const received = { traces: [] as string[], metrics: [] as string[], logs: [] as string[] };
  const contentTypes = new Set<string | null>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const signal = new URL(request.url).pathname.replace("/v1/", "") as keyof typeof received;
    contentTypes.add(request.headers.get("content-type"));
    received[signal]?.push(await request.text());
    return Response.json({});
  });
  return {
    received,
    contentTypes,
    /** Every span received so far */
    spans: () => spansOf(received.traces),
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

/** The variables that make a spawned service export to `url` as JSON. */
export function otelEnv(url: string): Record<string, string> {
  return {
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_SERVICE_NAME: "jessy-api",
  };
}

/** The spans of OTLP trace payloads. */
export function spansOf(payloads: string[]): ReceivedSpan[] {
  return payloads.flatMap((payload) =>
    (JSON.parse(payload) as { resourceSpans: { scopeSpans: { spans: ReceivedSpan[] }[] }[] }).resourceSpans
      .flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans))
  );
}
