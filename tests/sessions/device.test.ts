import { assertEquals } from "../helpers/assert.ts";
import { displayText, parseDevice } from "../../src/services/device.ts";

Deno.test("parseDevice names browser, OS and type of common user agents", () => {
  assertEquals(
    parseDevice(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    { browser: "Firefox", os: "Windows", type: "desktop", label: "Firefox on Windows" },
  );
  assertEquals(
    parseDevice(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    { browser: "Safari", os: "iOS", type: "mobile", label: "Safari on iOS" },
  );
  assertEquals(parseDevice(null), { browser: null, os: null, type: null, label: "Unknown device" });
  assertEquals(parseDevice("curl/8.5.0").label.length > 0, true);
});

Deno.test("displayText strips control, format and bidi characters, folds whitespace and truncates", () => {
  assertEquals(displayText("Work\u202E lap\u0000top\r\n\u200Bx", 100), "Work laptop x");
  assertEquals(displayText("a".repeat(50), 10), "aaaaaaaaa…");
  assertEquals([...displayText("😀".repeat(20), 5)].length, 5);
});
