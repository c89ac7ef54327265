import { parseCid } from "./cid";
import { KcError, show } from "./errors";
import { parseDigest } from "./parse";

/** An artifact named by its digest (`0x` + 64 hex) or by a sha2-256 CID, as a lowercase digest. */
export async function parseArtifactRef(s: string, what = "artifact"): Promise<string> {
  const text = s.trim();
  if (/^0x/i.test(text) || /^[0-9a-fA-F]{64}$/.test(text)) return parseDigest(text, what);
  try {
    return (await parseCid(text)).digest;
  } catch (err) {
    // A CID with the wrong hash function has its own precise message; anything else is just not a reference.
    if (err instanceof KcError && !err.message.startsWith("not a valid CID")) throw err;
    throw new KcError(`${what} is neither a digest (0x + 64 hex digits) nor a CID: ${show(s)}`);
  }
}

/** Comma-separated artifact references, distinct; an empty string is an empty list. */
export async function parseArtifactRefs(s: string, what = "artifact"): Promise<string[]> {
  if (s.trim() === "") return [];
  const out: string[] = [];
  for (const item of s.split(",")) {
    if (item.trim() === "") throw new KcError(`empty ${what} in list: ${show(s)}`);
    const digest = await parseArtifactRef(item, what);
    if (out.includes(digest)) throw new KcError(`${what} listed twice: ${digest}`);
    out.push(digest);
  }
  return out;
}
