import {
  Contract,
  type ContractRunner,
  type Provider,
  type Signer,
  Signature,
  TypedDataEncoder,
  getAddress,
} from "ethers";

import { KcError } from "./errors";
import { formatAmount } from "./parse";

/** The ERC-20 calls the CLI makes; human-readable so any token works, not only ones we compiled. */
export const TOKEN_ABI = [
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function nonces(address owner) view returns (uint256)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
];

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
  contract: Contract;
  /** `1.5 COMM` from base units. */
  format(value: bigint): string;
}

/** Symbol and decimals of `address`; a token without `decimals()` is refused, since amounts would be guesses. */
export async function tokenInfo(address: string, runner: ContractRunner): Promise<TokenInfo> {
  const contract = new Contract(address, TOKEN_ABI, runner);
  let decimals: number;
  try {
    decimals = Number(await contract.decimals());
  } catch {
    throw new KcError(`token ${address} has no decimals(), so token amounts cannot be converted`);
  }
  const symbol = await contract.symbol().then(
    (s: string) => s,
    () => "tokens",
  );
  return { address, symbol, decimals, contract, format: (v) => formatAmount(v, decimals, symbol) };
}

/** ERC-2612 `Permit` typed-data types (without `EIP712Domain`, as ethers expects). */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** What signing an ERC-2612 permit needs: the token's EIP-712 domain and the owner's nonce. */
export interface PermitSupport {
  domain: { name: string; version: string; chainId: bigint; verifyingContract: string };
  nonce: bigint;
}

/**
 * Whether `token` supports ERC-2612 permit for `owner`, read without asking anyone to sign: the EIP-712
 * domain comes from ERC-5267 `eip712Domain()` and must reproduce the token's `DOMAIN_SEPARATOR()`, and the
 * token must answer `nonces(owner)`, and the domain must name this token on the runner's chain. Undefined when it
 * does not (a token with an unusual domain included).
 */
export async function permitSupport(token: TokenInfo, owner: string): Promise<PermitSupport | undefined> {
  try {
    const d = await token.contract.eip712Domain();
    const domain = {
      name: d.name as string,
      version: d.version as string,
      chainId: d.chainId as bigint,
      verifyingContract: d.verifyingContract as string,
    };
    // A token's eip712Domain() is its own word: a hostile one could name another token (or another chain) and
    // its matching separator, and the owner would sign a permit valid there. Only this token on this chain.
    if (getAddress(domain.verifyingContract) !== getAddress(token.address)) return undefined;
    const runner = token.contract.runner as { provider?: Provider | null } | null;
    const provider = (runner?.provider ?? runner) as Provider | null;
    if (!provider?.getNetwork || domain.chainId !== (await provider.getNetwork()).chainId) return undefined;
    const nonce: bigint = await token.contract.nonces(owner);
    if (TypedDataEncoder.hashDomain(domain) !== (await token.contract.DOMAIN_SEPARATOR())) return undefined;
    return { domain, nonce };
  } catch {
    return undefined;
  }
}

/**
 * An ERC-2612 permit for `spender` to take `value` from the signer, or undefined when the token does
 * not support permit (see {@link permitSupport}), in which case nothing is signed.
 */
export async function signPermit(
  token: TokenInfo,
  signer: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<PermitSignature | undefined> {
  const owner = await signer.getAddress();
  const support = await permitSupport(token, owner);
  if (!support) return undefined;
  const message = { owner, spender, value, nonce: support.nonce, deadline };
  const signature = Signature.from(await signer.signTypedData(support.domain, PERMIT_TYPES, message));
  return { deadline, v: signature.v, r: signature.r, s: signature.s };
}
