import { type Interface, type Provider, getAddress, keccak256, toUtf8Bytes } from "ethers";

/**
 * Transactions that are proposed rather than sent: a curator that is a Safe, a Governor or a cold wallet
 * gets the calldata (`--calldata`) or a Safe Transaction Builder batch (`--safe`) to propose. Ethers only.
 */

/** One transaction as a multisig proposes it. `value` in wei, as a decimal string. */
export interface Call {
  to: string;
  value: string;
  data: string;
}

/** Encodes `method(args)` of the contract at `to`. */
export function encodeCall(iface: Interface, to: string, method: string, args: readonly unknown[]): Call {
  return { to: getAddress(to), value: "0", data: iface.encodeFunctionData(method, args) };
}

/**
 * Runs `calls` one by one as `from` would (eth_call, nothing is sent), so a proposal that would revert
 * fails here with the contract's error instead of in the Safe. Each call sees the chain as it is now,
 * not after the previous ones.
 */
export async function simulateAs(provider: Provider, from: string, calls: Call[]): Promise<void> {
  for (const call of calls) await provider.call({ ...call, from });
}

/** A Safe Transaction Builder batch file, the JSON the Safe{Wallet} "Transaction Builder" app imports. */
export interface SafeBatch {
  version: "1.0";
  chainId: string;
  createdAt: number;
  meta: {
    name: string;
    description: string;
    txBuilderVersion: string;
    createdFromSafeAddress: string;
    createdFromOwnerAddress: string;
    checksum?: string;
  };
  transactions: Call[];
}

/** The Transaction Builder version whose file format this follows. */
export const TX_BUILDER_VERSION = "1.18.0";

/**
 * The batch `calls` for the Safe at `safe` on `chainId`, with the checksum the Transaction Builder checks on
 * import. `createdAt` is a parameter so the output can be reproduced.
 */
export function safeBatch(
  chainId: bigint | number | string,
  calls: Call[],
  meta: { name: string; description: string; safe?: string; createdAt?: number },
): SafeBatch {
  const batch: SafeBatch = {
    version: "1.0",
    chainId: String(chainId),
    createdAt: meta.createdAt ?? Date.now(),
    meta: {
      name: meta.name,
      description: meta.description,
      txBuilderVersion: TX_BUILDER_VERSION,
      createdFromSafeAddress: meta.safe ? getAddress(meta.safe) : "",
      createdFromOwnerAddress: "",
    },
    transactions: calls.map(({ to, value, data }) => ({ to, value, data })),
  };
  batch.meta.checksum = safeBatchChecksum(batch);
  return batch;
}

/**
 * The Transaction Builder's checksum (safe-react-apps `tx-builder/src/lib/checksum.ts`): keccak256 of its
 * key-sorted serialisation of the batch with `meta.name` set to null and without `meta.checksum`.
 */
export function safeBatchChecksum(batch: SafeBatch): string {
  const { checksum: _omitted, ...meta } = batch.meta;
  return keccak256(toUtf8Bytes(serialize({ ...batch, meta: { ...meta, name: null } })));
}

function serialize(json: unknown): string {
  const replacer = (_: string, value: unknown) => (value === undefined ? null : value);
  if (Array.isArray(json)) return `[${json.map(serialize).join(",")}]`;
  if (typeof json === "object" && json !== null) {
    const record = json as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${JSON.stringify(keys, replacer)}${keys.map((k) => `${serialize(record[k])},`).join("")}}`;
  }
  return JSON.stringify(json, replacer);
}

/** How an action is output instead of sent: `--calldata` or `--safe`. */
export type UnsentMode = "calldata" | "safe";

/**
 * The one rendering of an unsent action, for every curator command. `calldata`: `{to, value, data}` (an array
 * when there are several), and under `--json` `{from, calls}`. `safe`: the Transaction Builder batch in both
 * modes, proposed by `from` (the account the calls must come from), so the output can be saved and imported.
 */
export function renderUnsent(
  mode: UnsentMode,
  chainId: bigint,
  from: string,
  calls: Call[],
  description: string,
): { json: unknown; text: string } {
  if (mode === "calldata") {
    return {
      json: { from: getAddress(from), calls },
      text: JSON.stringify(calls.length === 1 ? calls[0] : calls, null, 2),
    };
  }
  const batch = safeBatch(chainId, calls, { name: "Knowledge Commons", description, safe: from });
  return { json: batch, text: JSON.stringify(batch, null, 2) };
}
