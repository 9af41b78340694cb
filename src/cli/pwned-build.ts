/**
 * `deno task pwned:build SRC OUT`: turns the downloadable Pwned Passwords SHA-1 list (lines
 * `HEXSHA1:COUNT`, or bare `HEXSHA1`) into the bucketed file PWNED_PASSWORDS_FILE names (format in
 * src/services/accounts/pwned-file.ts). Two passes over the source and positioned writes: memory
 * stays bounded (a count per bucket, a 1 MiB write buffer) whatever the size of the list. The
 * official list comes sorted and streams straight through; an unsorted one is sorted bucket by
 * bucket in a third pass.
 * @module
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import {
  bucketBitsFor,
  bucketOf,
  compareDigest,
  encodeHeader,
  indexOffset,
  PWNED_MAX_BUCKET_BITS,
  PWNED_RECORD_BYTES,
  recordsOffset,
} from "../services/accounts/credentials/pwned-file.ts";
import type { CommandOutput } from "./output.ts";

const LINE = /^([0-9A-Fa-f]{40})(?::\d+)?$/;
const WRITE_BUFFER_BYTES = 1 << 20;

/** Every line of a text file, streamed. */
async function* lines(path: string): AsyncGenerator<string> {
  const file = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of file.readable) {
    rest += decoder.decode(chunk, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

/** The digests of the source, in its order; a malformed line stops the build, naming it. */
async function* digests(path: string): AsyncGenerator<Uint8Array> {
  let number = 0;
  for await (const raw of lines(path)) {
    number++;
    const line = raw.trim();
    if (line === "") continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`${path}:${number}: expected HEXSHA1:COUNT`);
    const digest = new Uint8Array(PWNED_RECORD_BYTES);
    for (let i = 0; i < PWNED_RECORD_BYTES; i++) digest[i] = parseInt(match[1].slice(i * 2, i * 2 + 2), 16);
    yield digest;
  }
}

/** Writes at increasing positions through one buffer: a sorted source becomes one sequential write. */
function bufferedWriter(file: FileHandle) {
  const buffer = new Uint8Array(WRITE_BUFFER_BYTES);
  let used = 0;
  let start = 0;
  async function flush() {
    if (used > 0) await file.write(buffer, 0, used, start);
    used = 0;
  }
  return {
    async write(bytes: Uint8Array, position: number) {
      if (used > 0 && (position !== start + used || used + bytes.length > buffer.length)) await flush();
      if (used === 0) start = position;
      buffer.set(bytes, used);
      used += bytes.length;
    },
    flush,
  };
}

/** Sorts each bucket's records in place (a source that was not sorted). */
async function sortBuckets(file: FileHandle, firsts: Float64Array, dataStart: number): Promise<void> {
  for (let bucket = 0; bucket + 1 < firsts.length; bucket++) {
    const count = firsts[bucket + 1] - firsts[bucket];
    if (count < 2) continue;
    const bytes = new Uint8Array(count * PWNED_RECORD_BYTES);
    const position = dataStart + firsts[bucket] * PWNED_RECORD_BYTES;
    await file.read(bytes, 0, bytes.length, position);
    const records = Array.from(
      { length: count },
      (_, i) => bytes.slice(i * PWNED_RECORD_BYTES, (i + 1) * PWNED_RECORD_BYTES),
    );
    records.sort((a, b) => compareDigest(a, b));
    records.forEach((record, i) => bytes.set(record, i * PWNED_RECORD_BYTES));
    await file.write(bytes, 0, bytes.length, position);
  }
}

/** Builds OUT from SRC; returns how many digests it holds and the bucket bits chosen. */
export async function buildPwnedFile(source: string, out: string): Promise<{ count: number; bits: number }> {
  // Pass 1: counts per finest bucket (16 MiB of counters), folded into the chosen size below
  const finest = new Uint32Array(2 ** PWNED_MAX_BUCKET_BITS);
  let count = 0;
  for await (const digest of digests(source)) {
    finest[bucketOf(digest, PWNED_MAX_BUCKET_BITS)]++;
    count++;
  }
  const bits = bucketBitsFor(count);
  const buckets = 2 ** bits;
  const perBucket = 2 ** (PWNED_MAX_BUCKET_BITS - bits);
  const firsts = new Float64Array(buckets + 1);
  for (let bucket = 0; bucket < buckets; bucket++) {
    let sum = 0;
    for (let i = bucket * perBucket; i < (bucket + 1) * perBucket; i++) sum += finest[i];
    firsts[bucket + 1] = firsts[bucket] + sum;
  }

  const file = await open(out, "w+");
  try {
    await file.write(encodeHeader(bits, count), 0, undefined, 0);
    const index = new Uint8Array(8 * (buckets + 1));
    const view = new DataView(index.buffer);
    firsts.forEach((first, i) => view.setBigUint64(8 * i, BigInt(first), true));
    await file.write(index, 0, index.length, indexOffset(0));
    const dataStart = recordsOffset(bits);
    await file.truncate(dataStart + count * PWNED_RECORD_BYTES);

    // Pass 2: each digest at its bucket's next free record
    const next = Float64Array.from(firsts);
    const writer = bufferedWriter(file);
    let previous: Uint8Array | undefined;
    let sorted = true;
    for await (const digest of digests(source)) {
      if (previous && compareDigest(previous, digest) > 0) sorted = false;
      previous = digest;
      const bucket = bucketOf(digest, bits);
      await writer.write(digest, dataStart + next[bucket]++ * PWNED_RECORD_BYTES);
    }
    await writer.flush();
    if (!sorted) await sortBuckets(file, firsts, dataStart);
  } finally {
    await file.close();
  }
  return { count, bits };
}

/** The command: `pwned:build SRC OUT`. Returns the exit code. */
export async function runPwnedBuild(args: string[], output: CommandOutput): Promise<number> {
  const [source, out] = args;
  if (!source || !out) {
    output.err("usage: deno task pwned:build SRC OUT   (SRC: lines HEXSHA1:COUNT, the Pwned Passwords SHA-1 list)");
    return 2;
  }
  try {
    const { count, bits } = await buildPwnedFile(source, out);
    output.out(`${out}: ${count} digests in ${2 ** bits} buckets`);
    return 0;
  } catch (error) {
    output.err(`pwned:build failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}
