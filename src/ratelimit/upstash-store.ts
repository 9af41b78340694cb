import { Redis } from "@upstash/redis";
import { createRatelimitStore } from "./ratelimit-store.ts";
import type { LimiterStore } from "./types.ts";

/** Options for {@link createUpstashStore}. */
export interface UpstashStoreOptions {
  /** REST endpoint of the Upstash database. */
  url: string;
  token: string;
  prefix: string;
}

/** A store on Upstash Redis, reached over its REST API. */
export function createUpstashStore(options: UpstashStoreOptions): LimiterStore {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    // The client retries failed fetches with growing pauses (about 4 s over five tries);
    // the fallback answers from memory instead and probes again on its own schedule.
    retry: false,
    enableTelemetry: false,
  });
  return createRatelimitStore({
    kind: "upstash",
    redis,
    prefix: options.prefix,
  });
}
