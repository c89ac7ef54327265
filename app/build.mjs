// Builds the app into app/dist with esbuild: one minified ES module, the page and its stylesheet.
// Prints the gzipped size of what the first page loads (the budget is 400 KB).
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const APP = dirname(fileURLToPath(import.meta.url));
export const DIST = join(APP, "dist");

export async function buildApp({ quiet = false } = {}) {
  mkdirSync(DIST, { recursive: true });
  await build({
    entryPoints: [join(APP, "src", "main.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    sourcemap: true,
    legalComments: "none",
    // The SDK's CSV reader (src/parse.ts, reached through src/signed.ts) uses Node's Buffer; its package ships
    // a browser build, so the app bundles that one.
    alias: { "csv-parse/sync": "csv-parse/browser/esm/sync" },
    outfile: join(DIST, "app.js"),
    logLevel: quiet ? "error" : "warning",
  });
  copyFileSync(join(APP, "index.html"), join(DIST, "index.html"));
  copyFileSync(join(APP, "app.css"), join(DIST, "app.css"));
  const gz = ["index.html", "app.css", "app.js"].reduce(
    (sum, f) => sum + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length,
    0,
  );
  if (!quiet)
    console.log(`app built in app/dist: first page ${(gz / 1024).toFixed(1)} KB gzipped (budget 400 KB)`);
  return { gzipBytes: gz };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildApp();
