import { ZeroAddress, toUtf8Bytes } from "ethers";

import { encodeCall } from "../../src/calldata";
import { KcError, show } from "../../src/errors";
import {
  approveArtifact,
  moveSlot,
  retract,
  setOperator,
  setURI,
  transferArtifact,
} from "../../src/maintenance";
import { parseArtifactRef } from "../../src/refs";
import { resolveSigner } from "../lib/contracts";
import {
  type CommonArgs,
  type UnsentArgs,
  addUnsentFlags,
  addressArg,
  contractsFor,
  keyValues,
  kcTask,
  proposeInstead,
  required,
  unsentMode,
} from "./common";

/**
 * An artifact's upkeep: `move-slot` (a contributor), `set-uri`, `retract`, `transfer` (the owner), and the
 * ERC-721 approvals `approve` (one artifact) and `approve-all` (an operator for all of them).
 */

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

kcTask<CommonArgs & UnsentArgs & { digest?: string; to?: string }>(
  "approve",
  "Approve an account to transfer one artifact (ERC-721 approve); the zero address clears it (owner or its operator)",
  { chain: true, signer: true },
  (t) =>
    addUnsentFlags(t)
      .addOptionalParam("digest", "Artifact digest or sha2-256 CID")
      .addOptionalParam(
        "to",
        "The approved account, 0x… or an ENS name (0x0000000000000000000000000000000000000000 clears it)",
      ),
  async (args, ctx) => {
    const { hre, say } = ctx;
    const digest = await parseArtifactRef(required(args.digest, "digest", "0x…"), "--digest");
    const to = await addressArg(hre, required(args.to, "to", "0x…"), "--to");
    const mode = unsentMode(args);
    const { registry, registryAddress, signer } = await contractsFor(args, hre, !mode);
    if (!(await registry.exists(digest))) throw new KcError(`artifact ${digest} is not registered`);
    if (mode) {
      const owner = (await registry.artifact(digest)).owner;
      const what = to === ZeroAddress ? `clear the approval of ${digest}` : `approve ${to} for ${digest}`;
      return proposeInstead(
        ctx,
        mode,
        owner,
        [encodeCall(registry.interface, registryAddress, "approve", [to, BigInt(digest)])],
        what,
      );
    }
    const done = await approveArtifact(registry, signer!, digest, to);
    say(
      done.approved === ZeroAddress
        ? `Cleared the approval of ${digest}`
        : `Approved ${done.approved} to transfer ${digest} (until it is transferred or the approval is cleared)`,
    );
    say(`  owner: ${done.owner}`);
    say(`  tx:    ${txLine(done)}`);
    return { digest, ...done };
  },
);

kcTask<CommonArgs & UnsentArgs & { operator?: string; revoke: boolean; owner?: string }>(
  "approve-all",
  "Approve (or --revoke) an operator for every artifact the sender owns, now and later (ERC-721 setApprovalForAll)",
  { chain: true, signer: true },
  (t) =>
    addUnsentFlags(t)
      .addOptionalParam("operator", "The operator, 0x… or an ENS name")
      .addFlag("revoke", "Revoke the operator instead")
      .addOptionalParam(
        "owner",
        "With --calldata / --safe: the account that will send it, e.g. the Safe (default: the sender)",
      ),
  async (args, ctx) => {
    const { hre, say } = ctx;
    const operator = await addressArg(hre, required(args.operator, "operator", "0x…"), "--operator", {
      nonZero: true,
    });
    const mode = unsentMode(args);
    if (args.owner !== undefined && !mode) throw new KcError("--owner goes with --calldata or --safe");
    const approved = !args.revoke;
    const { registry, registryAddress, signer, account } = await contractsFor(args, hre, !mode);
    if (mode) {
      const owner =
        args.owner === undefined
          ? (account ?? (await (await resolveSigner(hre, args.from)).getAddress()))
          : await addressArg(hre, args.owner, "--owner", { nonZero: true });
      return proposeInstead(
        ctx,
        mode,
        owner,
        [encodeCall(registry.interface, registryAddress, "setApprovalForAll", [operator, approved])],
        `${approved ? "approve" : "revoke"} ${operator} as operator of ${owner}'s artifacts`,
      );
    }
    const done = await setOperator(registry, signer!, operator, approved);
    say(
      done.approved
        ? `Approved ${done.operator} as operator of every artifact ${done.owner} owns (kc approve-all --revoke undoes it)`
        : `Revoked ${done.operator} as operator of ${done.owner}'s artifacts`,
    );
    say(`  tx: ${txLine(done)}`);
    return { ...done };
  },
);
