import script from "./assets/account-pages.js" with { type: "text" };
import style from "./assets/account-pages.css" with { type: "text" };
import passkeysScript from "./assets/passkeys.js" with { type: "text" };

interface Asset {
  body: string;
  type: string;
}

// Files rather than inline code, so the pages' CSP can stay script-src 'self' and style-src 'self'
const ASSETS: Record<string, Asset> = {
  "account-pages.js": { body: script, type: "text/javascript; charset=utf-8" },
  "account-pages.css": { body: style, type: "text/css; charset=utf-8" },
  "passkeys.js": { body: passkeysScript, type: "text/javascript; charset=utf-8" },
};

/** The account pages' script or stylesheet by file name, or undefined. */
export function pageAsset(file: string): Asset | undefined {
  // Own keys only: "constructor" must not reach the object's prototype
  return Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
}
