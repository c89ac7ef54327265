import { Mnemonic } from "ethers";
import type { NetworksUserConfig } from "hardhat/types";

/** A `.env` variable the chosen command needs is malformed; the message names it (never its value). */
export class EnvError extends Error {
  override name = "EnvError";
}

/** A remote network was chosen without the `.env` variable it needs. */
export class MissingEnvError extends EnvError {
  override name = "MissingEnvError";
}

/** Name of the remote network built from `.env`; `--network remote`. */
export const REMOTE_NETWORK = "remote";

/** The network a Hardhat command line selects: `--network X` (anywhere), else env HARDHAT_NETWORK. */
export function selectedNetwork(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const index = argv.indexOf("--network");
  if (index >= 0) return argv[index + 1];
  return env.HARDHAT_NETWORK;
}

/** Order of the secp256k1 group: a private key is a number in 1..N-1. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * `PRIVATE_KEY` as Hardhat takes it (`0x` + 64 hex digits), or a problem naming the variable. The
 * message never repeats the value: it is a secret, and error lines end up in logs.
 */
export function checkPrivateKey(value: string): { key: string } | { problem: string } {
  const text = value.trim();
  const hex = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    const what = /^[0-9a-fA-F]*$/.test(hex) ? `${hex.length} hex digits` : "characters other than hex digits";
    return {
      problem: `PRIVATE_KEY in .env is not a private key: expected 0x and 64 hex digits, it has ${what}`,
    };
  }
  const n = BigInt(`0x${hex}`);
  if (n === 0n || n >= SECP256K1_N) {
    return { problem: "PRIVATE_KEY in .env is not a private key: 0 or above the secp256k1 order" };
  }
  return { key: `0x${hex.toLowerCase()}` };
}

/** `MNEMONIC`: a BIP-39 English phrase with a valid checksum, or a problem naming the variable. */
export function checkMnemonic(value: string): { mnemonic: string } | { problem: string } {
  const phrase = value.trim().split(/\s+/).join(" ");
  if (Mnemonic.isValidMnemonic(phrase)) return { mnemonic: phrase };
  const words = phrase === "" ? 0 : phrase.split(" ").length;
  return {
    problem:
      `MNEMONIC in .env is not a BIP-39 phrase (${words} word${words === 1 ? "" : "s"}; expected 12 to 24 ` +
      `English words with a valid checksum)`,
  };
}

/** `RPC_URL`: an http(s) URL, or a problem naming the variable (the URL may carry an API key: not echoed). */
export function checkRpcUrl(value: string): { url: string } | { problem: string } {
  const text = value.trim();
  let protocol: string | undefined;
  try {
    protocol = new URL(text).protocol;
  } catch {
    return { problem: "RPC_URL in .env is not a URL (expected e.g. https://sepolia.example/v3/<key>)" };
  }
  if (protocol !== "http:" && protocol !== "https:") {
    return { problem: `RPC_URL in .env must start with http:// or https://, not ${protocol}` };
  }
  return { url: text };
}

/** `CHAIN_ID`: a positive whole number, or a problem naming the variable. */
export function checkChainId(value: string): { chainId: number } | { problem: string } {
  const text = value.trim();
  if (/^\d{1,15}$/.test(text) && Number(text) > 0) return { chainId: Number(text) };
  return { problem: `CHAIN_ID in .env is not a chain id (a whole number from 1): ${JSON.stringify(text)}` };
}

export interface RemoteOptions {
  /**
   * Whether the command about to run may send from an account (default true). A command that needs none
   * (`kc hash`, `kc show`) runs on `--network remote` without a key, and with a malformed one (warned).
   */
  needsAccount?: boolean;
  /** Receives the one-line warning about malformed variables that the command does not use. */
  warn?: (line: string) => void;
}

/**
 * The remote network from `.env`, validated before Hardhat reads it. When `--network remote` is chosen,
 * a missing or malformed variable it needs throws an {@link EnvError} naming the variable. Otherwise a
 * malformed variable is left out and reported in one warning line, so `kc hash` and the demo on the
 * in-process network keep working with a broken `.env`.
 */
export function remoteNetworkFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
  options: RemoteOptions = {},
): NetworksUserConfig {
  const needsAccount = options.needsAccount ?? true;
  const remote = selectedNetwork(argv, env) === REMOTE_NETWORK;
  const problems: string[] = [];
  const fatal = (problem: string) => {
    if (remote) throw new EnvError(problem);
    problems.push(problem);
  };

  let url: string | undefined;
  const rpcText = env.RPC_URL?.trim();
  if (rpcText) {
    const rpc = checkRpcUrl(rpcText);
    if ("url" in rpc) url = rpc.url;
    else fatal(rpc.problem);
  } else if (remote) {
    throw new MissingEnvError("--network remote needs RPC_URL in .env (see .env.example)");
  }

  let chainId: number | undefined;
  if (env.CHAIN_ID?.trim()) {
    const checked = checkChainId(env.CHAIN_ID);
    if ("chainId" in checked) chainId = checked.chainId;
    else fatal(checked.problem);
  }

  // PRIVATE_KEY wins over MNEMONIC; a malformed one is reported, never silently replaced by the other.
  let accounts: string[] | { mnemonic: string } = [];
  const keyText = env.PRIVATE_KEY?.trim();
  const mnemonicText = env.MNEMONIC?.trim();
  const account = keyText ? checkPrivateKey(keyText) : mnemonicText ? checkMnemonic(mnemonicText) : undefined;
  if (account && "key" in account) accounts = [account.key];
  else if (account && "mnemonic" in account) accounts = { mnemonic: account.mnemonic };
  else if (account) {
    if (remote && needsAccount) throw new EnvError(account.problem);
    problems.push(account.problem);
  } else if (remote && needsAccount) {
    throw new MissingEnvError("--network remote needs PRIVATE_KEY or MNEMONIC in .env (see .env.example)");
  }

  if (problems.length > 0) {
    const why = remote ? "this command sends nothing" : "only --network remote uses it";
    options.warn?.(`warning: ${problems.join("; ")}; ignored (${why})`);
  }
  if (url === undefined) return {};
  return {
    [REMOTE_NETWORK]: { url, accounts, ...(chainId !== undefined ? { chainId } : {}) },
  };
}
