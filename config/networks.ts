import type { NetworksUserConfig } from "hardhat/types";

/** A remote network was chosen without the `.env` variable it needs. */
export class MissingEnvError extends Error {
  override name = "MissingEnvError";
}

/** Name of the remote network built from `.env`; `--network remote`. */
export const REMOTE_NETWORK = "remote";

function selectedNetwork(argv: readonly string[]): string | undefined {
  const index = argv.indexOf("--network");
  if (index >= 0) return argv[index + 1];
  return process.env.HARDHAT_NETWORK;
}

/**
 * The remote network from `.env`. When it is selected and a variable is missing, fail before any task
 * runs, naming the variable, instead of failing later with an opaque provider error.
 */
export function remoteNetworkFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): NetworksUserConfig {
  const rpcUrl = env.RPC_URL?.trim();
  const privateKey = env.PRIVATE_KEY?.trim();
  const mnemonic = env.MNEMONIC?.trim();
  if (selectedNetwork(argv) === REMOTE_NETWORK) {
    if (!rpcUrl) throw new MissingEnvError("--network remote needs RPC_URL in .env (see .env.example)");
    if (!privateKey && !mnemonic) {
      throw new MissingEnvError("--network remote needs PRIVATE_KEY or MNEMONIC in .env (see .env.example)");
    }
  }
  if (!rpcUrl) return {};
  const accounts = privateKey ? [privateKey] : mnemonic ? { mnemonic } : [];
  return {
    [REMOTE_NETWORK]: {
      url: rpcUrl,
      accounts,
      ...(env.CHAIN_ID ? { chainId: Number(env.CHAIN_ID) } : {}),
    },
  };
}
