/**
 * The browser build's stand-in for src/esm.ts (app/build.mjs swaps it in): the SDK loads its ESM-only
 * packages with a `Function`-built `import()` that a bundler cannot see, so here each one is a literal
 * dynamic import, which esbuild bundles into a lazily loaded chunk. A package the SDK loads that is
 * missing here fails loudly, and test/app-hashing.test.ts checks the list against src/.
 */
const loaders: Record<string, () => Promise<unknown>> = {
  "multiformats/basics": () => import("multiformats/basics"),
  "@noble/hashes/sha2.js": () => import("@noble/hashes/sha2.js"),
  "ipfs-unixfs-importer": () => import("ipfs-unixfs-importer"),
  "blockstore-core/black-hole": () => import("blockstore-core/black-hole"),
};

export const BROWSER_ESM = Object.keys(loaders);

export function importEsm<T = unknown>(specifier: string): Promise<T> {
  const load = loaders[specifier];
  if (!load)
    return Promise.reject(
      new Error(`the app bundle has no loader for ${specifier} (app/src/esm.browser.ts)`),
    );
  return load() as Promise<T>;
}

export function lazyEsm<T>(specifier: string): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= importEsm<T>(specifier));
}
