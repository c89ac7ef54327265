/** What Hardhat's TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD must return. */
export interface SolcBuild {
  compilerPath: string;
  isSolcJs: true;
  version: string;
  longVersion: string;
}

export interface SolcLoader {
  load(pkg: string): { version(): string } | undefined;
  resolve(path: string): string;
}

const nodeLoader: SolcLoader = {
  load(pkg) {
    try {
      return require(pkg);
    } catch {
      return undefined;
    }
  },
  resolve: (path) => require.resolve(path),
};

/**
 * Compilers come from npm packages, never from the network: `solc` for the main version, and `solc-<version>`
 * aliases (e.g. `"solc-0.8.29": "npm:solc@0.8.29"`) for the peers the benchmark compiles. A package whose
 * version differs from the one asked for is an error, not a silent substitution.
 */
export function offlineSolcBuild(
  solcVersion: string,
  mainVersion: string,
  loader: SolcLoader = nodeLoader,
): SolcBuild {
  const candidates = solcVersion === mainVersion ? ["solc", `solc-${solcVersion}`] : [`solc-${solcVersion}`];
  for (const pkg of candidates) {
    const installed = loader.load(pkg);
    if (installed === undefined) continue;
    const longVersion = installed.version().replace(/\.Emscripten\.clang$/, "");
    if (!longVersion.startsWith(`${solcVersion}+`)) {
      throw new Error(
        `Compiler mismatch: hardhat.config.ts asks for solc ${solcVersion} but the npm package "${pkg}" ` +
          `is ${longVersion}. Pin "${pkg}" to exactly ${solcVersion} in package.json and run npm ci.`,
      );
    }
    return {
      compilerPath: loader.resolve(`${pkg}/soljson.js`),
      isSolcJs: true,
      version: solcVersion,
      longVersion,
    };
  }
  throw new Error(
    `No offline compiler for solc ${solcVersion}: install it with ` +
      `npm install --save-dev --save-exact solc-${solcVersion}@npm:solc@${solcVersion}`,
  );
}
