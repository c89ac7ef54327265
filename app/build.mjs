// Builds the app into app/dist with esbuild: minified ES modules (app.js, the first page, and chunks it loads on
// demand: hashing.js with the SDK's hashing core, the Register page), the page and its stylesheet. Prints the
// gzipped size of what the first page loads (the budget is 400 KB) and of the chunks loaded later.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const APP = dirname(fileURLToPath(import.meta.url));
export const DIST = join(APP, "dist");

/**
 * The SDK loads its ESM-only packages through src/esm.ts, a `Function`-built `import()` a bundler cannot follow;
 * the app bundles app/src/esm.browser.ts in its place, whose literal `import()`s become lazy chunks.
 */
const browserEsm = {
  name: "kc-browser-esm",
  setup(b) {
    // csv-parse's default build uses Node's Buffer; its browser build carries its own.
    b.onResolve({ filter: /^csv-parse\/sync$/ }, (args) =>
      b.resolve("csv-parse/browser/esm/sync", { kind: args.kind, resolveDir: args.resolveDir }),
    );
    b.onResolve({ filter: /^\.\.?\/(\.\.\/)*esm$/ }, (args) =>
      args.importer.startsWith(join(APP, "..", "src"))
        ? { path: join(APP, "src", "esm.browser.ts") }
        : undefined,
    );
  },
};

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

export async function buildApp({ quiet = false } = {}) {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const { metafile } = await build({
    entryPoints: { app: join(APP, "src", "main.ts"), hashing: join(APP, "src", "hashing.ts") },
    bundle: true,
    splitting: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    sourcemap: true,
    legalComments: "none",
    outdir: DIST,
    entryNames: "[name]",
    chunkNames: "chunk-[hash]",
    metafile: true,
    plugins: [browserEsm],
    logLevel: quiet ? "error" : "warning",
  });
  copyFileSync(join(APP, "index.html"), join(DIST, "index.html"));
  copyFileSync(join(APP, "app.css"), join(DIST, "app.css"));
  // The first page: app.js and every chunk it imports statically (not the dynamic imports).
  const outputs = metafile.outputs;
  const key = (f) => Object.keys(outputs).find((k) => basename(k) === f);
  const first = new Set();
  const visit = (k) => {
    if (first.has(k)) return;
    first.add(k);
    for (const imp of outputs[k].imports) if (imp.kind === "import-statement") visit(imp.path);
  };
  visit(key("app.js"));
  const firstJs = [...first].reduce((sum, k) => sum + gz(k), 0);
  const gzipBytes = firstJs + gz(join(DIST, "index.html")) + gz(join(DIST, "app.css"));
  const lazy = Object.keys(outputs)
    .filter((k) => k.endsWith(".js") && !first.has(k))
    .reduce((sum, k) => sum + gz(k), 0);
  if (!quiet)
    console.log(
      `app built in app/dist: first page ${(gzipBytes / 1024).toFixed(1)} KB gzipped (budget 400 KB); ` +
        `loaded on demand (hashing, Register) ${(lazy / 1024).toFixed(1)} KB gzipped`,
    );
  return { gzipBytes, lazyGzipBytes: lazy };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildApp();
