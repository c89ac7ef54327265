import { Contract, type ContractRunner, type Interface, type Result } from "ethers";

/**
 * Batched reads. Each contract of the suite has OpenZeppelin `multicall`, so many view calls travel as one
 * `eth_call` (`multicall.staticCall`); calls issued together reach a batching `JsonRpcProvider` in one
 * tick and share one HTTP request. Chunks keep each `eth_call` well under providers' gas caps.
 */

export interface ViewCall {
  fn: string;
  args: readonly unknown[];
}

export interface Multicallable {
  interface: Interface;
  multicall: { staticCall(data: string[], overrides: { blockTag?: number }): Promise<string[]> };
}

/** Views per `eth_call` by default: a `claimable` costs about 20k gas, so 200 stay under 5M. */
export const DEFAULT_CHUNK = 200;

/** Every call's decoded result, in order; chunks go out concurrently. */
export async function multicallViews(
  contract: Multicallable,
  calls: ViewCall[],
  options: { blockTag?: number; chunk?: number } = {},
): Promise<Result[]> {
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  const data = calls.map((c) => contract.interface.encodeFunctionData(c.fn, c.args));
  const overrides = options.blockTag === undefined ? {} : { blockTag: options.blockTag };
  const parts: Promise<string[]>[] = [];
  for (let i = 0; i < data.length; i += chunk) {
    parts.push(contract.multicall.staticCall(data.slice(i, i + chunk), overrides));
  }
  const raw = (await Promise.all(parts)).flat();
  return raw.map((r, i) => contract.interface.decodeFunctionResult(calls[i].fn, r));
}

/**
 * Like `multicallViews`, with `prefix` (state-changing calls such as `settle`) run first in every chunk:
 * the results then show the state after them, without sending anything. Only the views' results return.
 */
export async function simulateThenView(
  contract: Multicallable,
  prefix: ViewCall[],
  calls: ViewCall[],
  options: { blockTag?: number; chunk?: number } = {},
): Promise<Result[]> {
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  const head = prefix.map((c) => contract.interface.encodeFunctionData(c.fn, c.args));
  const data = calls.map((c) => contract.interface.encodeFunctionData(c.fn, c.args));
  const overrides = options.blockTag === undefined ? {} : { blockTag: options.blockTag };
  const parts: Promise<string[]>[] = [];
  for (let i = 0; i < data.length; i += chunk) {
    parts.push(
      contract.multicall
        .staticCall([...head, ...data.slice(i, i + chunk)], overrides)
        .then((r) => r.slice(head.length)),
    );
  }
  const raw = (await Promise.all(parts)).flat();
  return raw.map((r, i) => contract.interface.decodeFunctionResult(calls[i].fn, r));
}

const ERC20_META = ["function symbol() view returns (string)", "function decimals() view returns (uint8)"];

export interface TokenMeta {
  address: string;
  symbol: string;
  /** Undefined when the token has no `decimals()`: amounts are then shown in base units. */
  decimals?: number;
}

/** Symbol and decimals of every token, all requested at once (one round trip on a batching provider). */
export async function tokenMetas(
  addresses: string[],
  runner: ContractRunner,
): Promise<Map<string, TokenMeta>> {
  const unique = [...new Set(addresses)];
  const metas = await Promise.all(
    unique.map(async (address) => {
      const token = new Contract(address, ERC20_META, runner);
      const [symbol, decimals] = await Promise.all([
        token.symbol().then(
          (s: string) => s,
          () => "tokens",
        ),
        token.decimals().then(
          (d: bigint) => Number(d),
          () => undefined,
        ),
      ]);
      return { address, symbol, decimals } as TokenMeta;
    }),
  );
  return new Map(metas.map((m) => [m.address, m]));
}
