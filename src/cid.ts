import { getBytes, hexlify } from "ethers";
import type * as Basics from "multiformats/basics";

import { KcError, show } from "./errors";
import { lazyEsm } from "./esm";
import { parseDigest } from "./parse";

/**
 * CID <-> digest. The `multiformats` package is ESM-only and its `exports` map has no `require`
 * condition, so `require()` cannot load it even on Node versions that can require ESM; hence this
 * module is async and loads it with a real dynamic `import()` (TypeScript would turn a plain
 * `import()` into `require()` under `module: commonjs`).
 *
 * Note: a CID's digest is the SHA-256 of the *block* it names. For a `raw` CID that is the file's
 * bytes, so it equals `hashFile`; for `dag-pb` (every CIDv0, and `ipfs add` without raw leaves) it is
 * the hash of the UnixFS node, which is a different number from `hashFile` of the same file.
 */

/** Multihash code of sha2-256, the only hash function an artifact digest can come from. */
export const SHA2_256 = 0x12;
export const CODECS = { raw: 0x55, "dag-pb": 0x70 } as const;
export type CodecName = keyof typeof CODECS;

// Names for the error message only; any other code is shown as hex.
const HASH_NAMES: Record<number, string> = {
  0x00: "identity",
  0x11: "sha1",
  0x12: "sha2-256",
  0x13: "sha2-512",
  0x14: "sha3-512",
  0x16: "sha3-256",
  0x1b: "keccak-256",
  0x1e: "blake3",
  0xb220: "blake2b-256",
  0xb260: "blake2s-256",
  0x1012: "sha2-256-trunc254-padded",
};

export interface ParsedCid {
  digest: string;
  version: 0 | 1;
  /** Multicodec code of the content, e.g. 0x55 raw, 0x70 dag-pb. */
  codec: number;
  /** `raw`/`dag-pb`, or the code in hex for other codecs. */
  codecName: string;
}

const multiformats = lazyEsm<typeof Basics>("multiformats/basics");

const hex = (n: number) => `0x${n.toString(16).padStart(2, "0")}`;

/** Parse a CID string (v0 `Qm…`, or v1 in any multibase multiformats knows) and return its digest. */
export async function cidToDigest(cid: string): Promise<string> {
  return (await parseCid(cid)).digest;
}

/** Like {@link cidToDigest}, also returning the version and codec so callers can warn about dag-pb. */
export async function parseCid(cid: string): Promise<ParsedCid> {
  const { CID, bases } = await multiformats();
  const text = cid.trim();
  let parsed: InstanceType<typeof CID>;
  try {
    // CID.parse knows base58btc, base32 and base36 itself; other prefixes need their decoder.
    const base = text.startsWith("Q")
      ? undefined
      : Object.values(bases).find((b) => text.startsWith(b.prefix));
    parsed = CID.parse(text, base?.decoder);
  } catch (err) {
    throw new KcError(`not a valid CID: ${show(cid)}`, { cause: err });
  }

  const { code, size, digest } = parsed.multihash;
  if (code !== SHA2_256) {
    const name = HASH_NAMES[code] ?? "unknown";
    throw new KcError(
      `CID uses hash function ${hex(code)} (${name}); only sha2-256 (0x12) digests can be registered: ${cid}`,
    );
  }
  if (size !== 32) {
    throw new KcError(`CID has a truncated sha2-256 digest (${size} bytes, need 32): ${cid}`);
  }
  const codecName = Object.entries(CODECS).find(([, c]) => c === parsed.code)?.[0] ?? hex(parsed.code);
  return {
    digest: hexlify(digest),
    version: parsed.version === 0 ? 0 : 1,
    codec: parsed.code,
    codecName,
  };
}

export interface ToCidOptions {
  /** 1 (default) gives base32 `b…`; 0 gives base58btc `Qm…` and implies dag-pb. */
  version?: 0 | 1;
  /** Defaults to raw for v1 and dag-pb for v0. */
  codec?: CodecName;
}

/** The CID whose multihash is sha2-256 of `digest` (`0x` + 64 hex). */
export async function digestToCid(digest: string, options: ToCidOptions = {}): Promise<string> {
  const { CID, digest: Digest } = await multiformats();
  const version = options.version ?? 1;
  const codec = options.codec ?? (version === 0 ? "dag-pb" : "raw");
  if (version === 0 && codec !== "dag-pb") {
    throw new KcError(`a CIDv0 is always dag-pb; use version 1 for the ${codec} codec`);
  }
  const multihash = Digest.create(SHA2_256, getBytes(parseDigest(digest)));
  const cid = version === 0 ? CID.createV0(multihash) : CID.createV1(CODECS[codec], multihash);
  return cid.toString();
}
