/**
 * The breached-password file (PWNED_PASSWORDS_FILE): SHA-1 digests of known-breached
 * passwords, sorted and bucketed so that a lookup costs two positioned reads and constant
 * memory, however large the list (the full Pwned Passwords download is ~1 billion digests).
 *
 * Layout, little-endian:
 * - header, 32 bytes: magic `JESSYPWN`, format version (u32 = 1), bucket bits B (u32), count (u64), 8 reserved;
 * - index, (2^B + 1) × u64: the number of the first record of each bucket (bucket = the top B bits of the
 *   digest), then the count;
 * - records: the 20-byte digests, sorted.
 *
 * A lookup reads the two index entries of its bucket (16 bytes), then the bucket (≈ 256 records at
 * most on average, 5 KiB), and binary-searches it.
 * @module
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { readSync } from "node:fs";

export const PWNED_MAGIC = "JESSYPWN";
export const PWNED_FORMAT_VERSION = 1;
export const PWNED_HEADER_BYTES = 32;
export const PWNED_RECORD_BYTES = 20;
/** Most bucket bits: an index of 2^22 entries is 32 MiB on disk, never in memory. */
export const PWNED_MAX_BUCKET_BITS = 22;
/** Records per bucket the builder aims at. */
const TARGET_BUCKET_RECORDS = 256;

/** Raised when a file is missing or is not a breached-password file this code can read. */
export class PwnedFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PwnedFileError";
  }
}

/** Bucket bits for `count` digests: about TARGET_BUCKET_RECORDS per bucket. */
export function bucketBitsFor(count: number): number {
  const bits = Math.ceil(Math.log2(Math.max(count, 1) / TARGET_BUCKET_RECORDS));
  return Math.min(PWNED_MAX_BUCKET_BITS, Math.max(0, bits));
}

/** The bucket of a digest: its top `bits` bits. */
export function bucketOf(digest: Uint8Array, bits: number): number {
  if (bits === 0) return 0;
  const top = ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
  return Math.floor(top / 2 ** (32 - bits));
}

/** Byte offset of index entry `i`. */
export function indexOffset(i: number): number {
  return PWNED_HEADER_BYTES + 8 * i;
}

/** Byte offset of the first record. */
export function recordsOffset(bits: number): number {
  return indexOffset(2 ** bits + 1);
}

/** Orders two digests (or a digest and a record inside a buffer) byte by byte. */
export function compareDigest(a: Uint8Array, b: Uint8Array, bOffset = 0): number {
  for (let i = 0; i < PWNED_RECORD_BYTES; i++) {
    const difference = a[i] - b[bOffset + i];
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The header's bytes. */
export function encodeHeader(bits: number, count: number): Uint8Array {
  const header = new Uint8Array(PWNED_HEADER_BYTES);
  header.set(new TextEncoder().encode(PWNED_MAGIC), 0);
  const view = new DataView(header.buffer);
  view.setUint32(8, PWNED_FORMAT_VERSION, true);
  view.setUint32(12, bits, true);
  view.setBigUint64(16, BigInt(count), true);
  return header;
}

/** A breached-password file opened for lookups. */
export interface PwnedFile {
  readonly path: string;
  readonly count: number;
  /** True when the SHA-1 digest is in the file: two positioned reads */
  containsDigest(digest: Uint8Array): Promise<boolean>;
  /** True when the password's SHA-1 is in the file */
  contains(password: string): Promise<boolean>;
  close(): Promise<void>;
}

async function readExactly(file: FileHandle, length: number, position: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new PwnedFileError("the file is shorter than its header says");
    done += bytesRead;
  }
  return buffer;
}

/**
 * Opens and checks a breached-password file: magic, version, bucket bits, and a size that
 * matches its header and index. Throws PwnedFileError with one sentence saying what is wrong.
 */
export async function openPwnedFile(path: string): Promise<PwnedFile> {
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "no such file" : "cannot be opened";
    throw new PwnedFileError(reason);
  }
  try {
    const size = (await file.stat()).size;
    if (size < PWNED_HEADER_BYTES) throw new PwnedFileError("not a file built by `deno task pwned:build`");
    const header = await readExactly(file, PWNED_HEADER_BYTES, 0);
    const view = new DataView(header.buffer);
    if (new TextDecoder().decode(header.subarray(0, 8)) !== PWNED_MAGIC) {
      throw new PwnedFileError("not a file built by `deno task pwned:build`");
    }
    if (view.getUint32(8, true) !== PWNED_FORMAT_VERSION) throw new PwnedFileError("unknown format version");
    const bits = view.getUint32(12, true);
    if (bits > PWNED_MAX_BUCKET_BITS) throw new PwnedFileError("bucket bits out of range");
    const count = Number(view.getBigUint64(16, true));
    if (size !== recordsOffset(bits) + count * PWNED_RECORD_BYTES) {
      throw new PwnedFileError("its size does not match its header (truncated or damaged)");
    }
    const last = await readExactly(file, 8, indexOffset(2 ** bits));
    if (Number(new DataView(last.buffer).getBigUint64(0, true)) !== count) {
      throw new PwnedFileError("its index does not match its header (damaged)");
    }
    return createLookup(path, file, bits, count);
  } catch (error) {
    await file.close();
    throw error;
  }
}

/**
 * pread(2) on the descriptor: a positioned read has no shared file offset, so concurrent
 * lookups never interfere. Synchronous on purpose: a lookup reads 16 bytes and one bucket
 * (≈ 5 KiB), usually from the page cache, in microseconds; the promise API costs ~100 µs a read.
 */
function preadExactly(fd: number, length: number, position: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) throw new PwnedFileError("the file is shorter than its header says");
    done += read;
  }
  return buffer;
}

function createLookup(path: string, file: FileHandle, bits: number, count: number): PwnedFile {
  const dataStart = recordsOffset(bits);
  // deno-lint-ignore require-await -- async for callers: the reads are synchronous (see preadExactly)
  async function containsDigest(digest: Uint8Array): Promise<boolean> {
    const bucket = bucketOf(digest, bits);
    const bounds = new DataView(preadExactly(file.fd, 16, indexOffset(bucket)).buffer);
    const start = Number(bounds.getBigUint64(0, true));
    const end = Number(bounds.getBigUint64(8, true));
    if (end <= start) return false;
    const records = preadExactly(file.fd, (end - start) * PWNED_RECORD_BYTES, dataStart + start * PWNED_RECORD_BYTES);
    let low = 0;
    let high = end - start - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareDigest(digest, records, middle * PWNED_RECORD_BYTES);
      if (order === 0) return true;
      if (order < 0) high = middle - 1;
      else low = middle + 1;
    }
    return false;
  }
  return {
    path,
    count,
    containsDigest,
    async contains(password) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password)));
      return await containsDigest(digest);
    },
    close: () => file.close(),
  };
}
