/** A file URL as a path (node:url's fileURLToPath without the import). */
export function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** The repository root: bench/ sits directly under it. */
export const REPO_ROOT = fromFileUrl(new URL("../../", import.meta.url));

/** Where the latest results are shown: each full run rewrites its section between markers. */
export const BENCH_README = `${REPO_ROOT}bench/README.md`;
