import { toUtf8Bytes } from "ethers";

import { KcError, show } from "../../src/errors";
import { moveSlot, retract, setURI, transferArtifact } from "../../src/maintenance";
import { parseArtifactRef } from "../../src/refs";
import { type CommonArgs, addressArg, contractsFor, keyValues, kcTask, required } from "./common";

/** An artifact's upkeep: `move-slot` (a contributor), `set-uri`, `retract`, `transfer` (the owner). */

interface ArtifactArgs extends CommonArgs {
  artifact?: string;
}

const txLine = (r: { txHash: string; blockNumber: number }) => `${r.txHash} (block ${r.blockNumber})`;

kcTask<ArtifactArgs & { to?: string; slot?: string }>(
  "move-slot",
  "Move your contributor slot of an artifact to a new account (lost key, new wallet); its share and claims follow",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("artifact", "Artifact digest or sha2-256 CID")
      .addOptionalParam("to", "The account that takes over the slot")
      .addOptionalParam("slot", "Slot index (default: the one the sender holds)"),
  async (args, { hre, say }) => {
    const digest = await parseArtifactRef(required(args.artifact, "artifact", "0x…"), "--artifact");
    const to = await addressArg(hre, required(args.to, "to", "0x…"), "--to", { nonZero: true });
    if (args.slot !== undefined && !/^\d+$/.test(args.slot.trim()))
      throw new KcError(`--slot must be a whole number from 0: ${show(args.slot)}`);
    const slot = args.slot === undefined ? undefined : BigInt(args.slot.trim());
    const { registry, signer } = await contractsFor(args, hre, true);
    const moved = await moveSlot(registry, signer!, digest, to, slot);
    say(`Moved slot ${moved.slot} of ${digest} from ${moved.from} to ${moved.to}`);
    for (const line of keyValues([
      ["share", `${moved.share} (unchanged; past and future rewards of the slot go to ${moved.to})`],
      ["tx", txLine(moved)],
    ]))
      say(`  ${line}`);
    return { digest, ...moved };
  },
);

kcTask<ArtifactArgs & { uri?: string }>(
  "set-uri",
  "Set an artifact's metadata URI (owner only)",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("artifact", "Artifact digest or sha2-256 CID")
      .addOptionalParam(
        "uri",
        "The new URI (ipfs://, ar://, https://); an empty one falls back to the default",
      ),
  async (args, { hre, say }) => {
    const digest = await parseArtifactRef(required(args.artifact, "artifact", "0x…"), "--artifact");
    if (args.uri === undefined) throw new KcError("missing --uri (e.g. --uri ipfs://bafy…)");
    const { registry, signer } = await contractsFor(args, hre, true);
    const max = await registry.MAX_URI_LENGTH();
    const bytes = toUtf8Bytes(args.uri).length;
    if (bytes > max) throw new KcError(`URI is ${bytes} bytes long, at most ${max} are allowed`);
    const done = await setURI(registry, signer!, digest, args.uri);
    say(`Set the URI of ${digest}`);
    for (const line of keyValues([
      ["uri", done.uri || "(none)"],
      ["was", done.previous],
      ["tx", txLine(done)],
    ]))
      say(`  ${line}`);
    return { digest, ...done };
  },
);

kcTask<ArtifactArgs & { reason?: string }>(
  "retract",
  "Flag an artifact as retracted, with a reason; pools stop admitting it (owner only; cannot be undone)",
  { chain: true, signer: true },
  (t) =>
    t
      .addOptionalParam("artifact", "Artifact digest or sha2-256 CID")
      .addOptionalParam("reason", "Why, as it will stay on-chain"),
  async (args, { hre, say }) => {
    const digest = await parseArtifactRef(required(args.artifact, "artifact", "0x…"), "--artifact");
    const reason = required(args.reason, "reason", '"superseded by 0x…"');
    const { registry, signer } = await contractsFor(args, hre, true);
    const done = await retract(registry, signer!, digest, reason);
    say(`Retracted ${digest}: ${done.reason}`);
    say("  What it earned stays claimable; pools no longer admit it and upstream flow no longer reaches it.");
    say(`  tx: ${txLine(done)}`);
    return { digest, ...done };
  },
);

kcTask<ArtifactArgs & { to?: string }>(
  "transfer",
  "Transfer ownership of an artifact (its ERC-721 token); contributors and shares stay as they are (owner only)",
  { chain: true, signer: true },
  (t) =>
    t.addOptionalParam("artifact", "Artifact digest or sha2-256 CID").addOptionalParam("to", "The new owner"),
  async (args, { hre, say }) => {
    const digest = await parseArtifactRef(required(args.artifact, "artifact", "0x…"), "--artifact");
    const to = await addressArg(hre, required(args.to, "to", "0x…"), "--to", { nonZero: true });
    const { registry, signer } = await contractsFor(args, hre, true);
    const done = await transferArtifact(registry, signer!, digest, to);
    say(`Transferred ${digest} from ${done.from} to ${done.to}`);
    say(`  tx: ${txLine(done)}`);
    return { digest, ...done };
  },
);
