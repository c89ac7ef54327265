import { parseCid } from "../cid";
import { KcError } from "../errors";
import { parseDigest } from "../parse";
import { DigestScheme, SCHEME_MEANING, SCHEME_NAMES, parseScheme } from "./scheme";

/** A digest given by the user, with what it is the SHA-256 of. */
export interface StatedDigest {
  digest: string;
  scheme: DigestScheme;
  /** The CID as given, if it was one. */
  cid?: string;
}

const SCHEME_CHOICES = SCHEME_NAMES.map((name, i) => `${name} (${SCHEME_MEANING[i as DigestScheme]})`).join(
  ", ",
);

/**
 * A digest to register, refusing ambiguity: a record must say exactly which bytes its digest names.
 *
 * - A raw CID (`bafkrei…`) names a file's bytes: scheme raw, nothing to add (`--scheme` may repeat it).
 * - A dag-pb CID (`bafybei…`, every `Qm…`) names an encoded UnixFS root block, not the file: it needs
 *   `--scheme unixfs` as confirmation. Only a DAG built under `unixfs-v1-2025` (CIDv1, raw leaves, 1 MiB
 *   chunks) will match `kc hash` of the same content; a `Qm…` CID was built under the older profile.
 * - A bare `0x` digest says nothing about its bytes: it needs `--scheme`.
 */
export async function parseStatedDigest(text: string, scheme?: string): Promise<StatedDigest> {
  const stated = scheme === undefined ? undefined : parseScheme(scheme);
  const trimmed = text.trim();
  if (/^0x/i.test(trimmed) || /^[0-9a-fA-F]{64}$/.test(trimmed)) {
    const digest = parseDigest(trimmed, "--digest");
    if (stated === undefined) {
      throw new KcError(
        `a bare digest does not say what bytes it is the SHA-256 of; add --scheme with one of: ${SCHEME_CHOICES}`,
      );
    }
    return { digest, scheme: stated };
  }
  const cid = await parseCid(trimmed);
  if (cid.codecName === "raw") {
    if (stated !== undefined && stated !== DigestScheme.Raw) {
      throw new KcError(
        `${trimmed} is a raw CID (a file's bytes); it cannot be --scheme ${SCHEME_NAMES[stated]}`,
      );
    }
    return { digest: cid.digest, scheme: DigestScheme.Raw, cid: trimmed };
  }
  if (cid.codecName === "dag-pb") {
    if (stated === DigestScheme.UnixFs) return { digest: cid.digest, scheme: stated, cid: trimmed };
    const profile =
      cid.version === 0
        ? "a CIDv0 is built under the older unixfs-v0-2015 profile (256 KiB chunks, no raw leaves), so kc hash of the same content gives another digest"
        : "it matches kc hash of the content only if it was built under unixfs-v1-2025 (ipfs add --cid-version 1 --raw-leaves --chunker size-1048576)";
    throw new KcError(
      `${trimmed} is a dag-pb CID: its digest is the SHA-256 of an encoded UnixFS root block, not of the file's bytes; ` +
        `${profile}; add --scheme unixfs to register it as such, or register the file with --path`,
    );
  }
  throw new KcError(`${trimmed} has codec ${cid.codecName}; only raw and dag-pb CIDs can be registered`);
}
