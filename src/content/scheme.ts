import { digestToCid } from "../cid";
import { KcError, show } from "../errors";

/**
 * What bytes a registered `bytes32` digest is the SHA-256 of. Mirrors `IKnowledgeRegistry.DigestScheme`
 * (same order, same numbers), so the value can go on-chain as is.
 */
export enum DigestScheme {
  /** SHA-256 of a file's bytes; the CIDv1 with the `raw` codec (0x55) names the same bytes. */
  Raw = 0,
  /** SHA-256 of the dag-pb root block of the UnixFS DAG under `unixfs-v1-2025`; CIDv1 `dag-pb` (0x70). */
  UnixFs = 1,
  /** SHA-256 of the Knowledge Commons canonical folder manifest; it has no IPFS form. */
  Manifest = 2,
}

/** Names used on the command line and in JSON, indexed by {@link DigestScheme}. */
export const SCHEME_NAMES = ["raw", "unixfs", "manifest"] as const;
export type SchemeName = (typeof SCHEME_NAMES)[number];

/** How a path is hashed: `ipfs` gives the UnixFS CID an IPFS node gives; `manifest` the canonical manifest. */
export const MODES = ["ipfs", "manifest"] as const;
export type HashMode = (typeof MODES)[number];
/** New registrations hash in IPFS mode, so the record and the stored content name each other. */
export const DEFAULT_MODE: HashMode = "ipfs";

/** The codec of the CIDv1 each scheme's digest converts to; a manifest digest has none. */
const CODEC_OF = { [DigestScheme.Raw]: "raw", [DigestScheme.UnixFs]: "dag-pb" } as const;

/** What `digest` is the SHA-256 of, in one line, for confirmations and `kc show`. */
export const SCHEME_MEANING: Record<DigestScheme, string> = {
  [DigestScheme.Raw]: "SHA-256 of the file's bytes (CIDv1 raw)",
  [DigestScheme.UnixFs]: "SHA-256 of the UnixFS root block under unixfs-v1-2025 (CIDv1 dag-pb)",
  [DigestScheme.Manifest]: "SHA-256 of the Knowledge Commons folder manifest (no IPFS form)",
};

/** The minimum a hash result needs for its scheme to be known. */
export interface SchemeSource {
  mode: HashMode;
  kind: "file" | "folder";
  /** Multicodec of the root CID in IPFS mode (0x55 raw, 0x70 dag-pb). */
  codec?: number;
}

/**
 * The scheme a hash result's digest was computed under. In IPFS mode a file that fits one chunk is one
 * raw block, so its digest is {@link DigestScheme.Raw} even though it came from the UnixFS importer.
 */
export function schemeOf(result: SchemeSource): DigestScheme {
  if (result.mode === "ipfs") return result.codec === 0x55 ? DigestScheme.Raw : DigestScheme.UnixFs;
  return result.kind === "file" ? DigestScheme.Raw : DigestScheme.Manifest;
}

/** The CIDv1 (base32) that names the same bytes as `digest` under `scheme`, or undefined for a manifest. */
export async function cidOf(digest: string, scheme: DigestScheme): Promise<string | undefined> {
  if (scheme === DigestScheme.Manifest) return undefined;
  return digestToCid(digest, { version: 1, codec: CODEC_OF[scheme] });
}

/** `ipfs://<cid>` for schemes with an IPFS form. */
export async function ipfsUriOf(digest: string, scheme: DigestScheme): Promise<string | undefined> {
  const cid = await cidOf(digest, scheme);
  return cid === undefined ? undefined : `ipfs://${cid}`;
}

/** A `--scheme` value: a name from {@link SCHEME_NAMES} (case-insensitive) or its number. */
export function parseScheme(s: string): DigestScheme {
  const text = s.trim().toLowerCase();
  const index = /^\d$/.test(text) ? Number(text) : SCHEME_NAMES.indexOf(text as SchemeName);
  if (index < 0 || index >= SCHEME_NAMES.length) {
    throw new KcError(`unknown scheme ${show(s)}: use one of ${SCHEME_NAMES.join(", ")}`);
  }
  return index as DigestScheme;
}

/** A `--mode` value. */
export function parseMode(s: string): HashMode {
  const text = s.trim().toLowerCase();
  if (!(MODES as readonly string[]).includes(text)) {
    throw new KcError(`unknown mode ${show(s)}: use ${MODES.join(" or ")}`);
  }
  return text as HashMode;
}
