import { type Browser, chromium, type Page } from "npm:playwright-core@1.65.1";
import { requireInstalled } from "./installed.ts";

/** The installed Chromium, headless, with no background traffic to other hosts. */
export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: requireInstalled("chromium"),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
    ],
  });
}

/** Records every request the page makes, to prove none leaves the server's host. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  return urls;
}

/** Saves a screenshot to a temporary directory and returns its path (for failure reports). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "jessy-browser-" });
  const path = `${dir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
