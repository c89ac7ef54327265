/**
 * Loads an ESM-only package from this CommonJS build. TypeScript under `module: commonjs` rewrites a
 * plain `import()` into `require()`, which cannot load packages whose `exports` have no `require`
 * condition (multiformats, ipfs-unixfs-importer, @noble/hashes); a `Function`-built `import()` is left
 * alone and works in Node and in bundlers alike.
 */
export const importEsm = new Function("specifier", "return import(specifier)") as <T = unknown>(
  specifier: string,
) => Promise<T>;

/** Memoise a module load, so concurrent callers share one `import()`. */
export function lazyEsm<T>(specifier: string): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= importEsm<T>(specifier));
}
