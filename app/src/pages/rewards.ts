/**
 * My rewards: what an account can claim across every pool and where it comes from; claim all through the SDK's
 * plan (src/claims.ts `planClaims`: one `RewardPools.multicall` per transaction, split only when one cannot hold
 * it), and sign a gasless claim for a relayer (src/signed.ts `signClaim`).
 */

import { planClaims, settleList, type PoolClaim } from "../../../src/claims";
import { describeError } from "../../../src/decodeError";
import { signClaim } from "../../../src/signed";
import { sendPlan } from "../../../src/tx";
import {
  type LineageRecord,
  maxPerTxFrom,
  paidByStep,
  progressText,
  recipientFrom,
  registryIndexFrom,
  sourceTotals,
  stepOfProgress,
} from "../claimPlan";
import { $, amount, api, errors, esc, indexReached, short, state, status } from "../core";
import { amounts, poolsAt } from "../sdk";
import { programsSection } from "./programs";

interface Earning {
  poolId: string;
  token: string;
  artifact: string;
  slot: string;
  claimable: string;
  claimed: string;
  via: string;
  share: string;
  fromDerivatives?: string;
}

/** What `/kc/earnings/:account` serves. */
interface Earnings {
  at: string;
  earnings: Earning[];
  /** Every slot the account holds, and every pool (with its token). */
  slots?: { artifact: string; slot: number }[];
  pools?: { poolId: string; token: string }[];
  /** The descendants of the account's artifacts, with parents, in registration order. */
  lineage?: LineageRecord[];
}

/** How long a signed claim stays valid, in seconds of chain time (as `kc claim --sign-only`'s default). */
const SIGNED_VALID_FOR = 7n * 24n * 3600n;

export async function rewardsPage(main: HTMLElement, who?: string): Promise<void> {
  const target = who ?? state.account;
  if (!target) {
    main.innerHTML =
      `<h1>My rewards</h1><p>Connect a wallet to see what you can claim, or look up any account:</p>` +
      `<form id="lookup"><input name="a" placeholder="0x… account"/> <button>Show</button></form>`;
    $("#lookup", main).addEventListener("submit", (e) => {
      e.preventDefault();
      location.hash = `#/rewards/${(new FormData(e.target as HTMLFormElement).get("a") as string).trim()}`;
    });
    return;
  }
  const t0 = performance.now();
  const { earnings, at, ...claimable } = await api<Earnings>(`/kc/earnings/${target}`);
  const lineage = claimable.lineage ?? [];
  const byToken = new Map<string, bigint>();
  for (const e of earnings) byToken.set(e.token, (byToken.get(e.token) ?? 0n) + BigInt(e.claimable));
  const totals = await Promise.all([...byToken].map(async ([t, v]) => amount(v, t)));
  const sources = await Promise.all(
    [...sourceTotals(earnings)].map(
      async ([t, s]) =>
        `<li>direct: <span class="num" data-source="direct">${esc(await amount(s.direct, t))}</span>` +
        ` · from derivatives: <span class="num" data-source="derivatives">${esc(await amount(s.fromDerivatives, t))}</span></li>`,
    ),
  );
  const rows = await Promise.all(
    earnings.map(async (e) => {
      const up = BigInt(e.fromDerivatives ?? "0");
      return (
        `<tr><td><a href="#/pool/${e.poolId}">pool ${e.poolId}</a></td>` +
        `<td><a href="#/artifact/${e.artifact}" class="mono">${short(e.artifact)}</a></td>` +
        `<td>${e.slot}</td><td>${e.via === "direct" ? "pool member" : "derivatives only"}</td>` +
        `<td class="num claimable">${await amount(e.claimable, e.token)}</td>` +
        `<td class="num direct">${await amount(BigInt(e.claimable) - up, e.token)}</td>` +
        `<td class="num derivatives">${await amount(up, e.token)}</td>` +
        `<td class="num">${await amount(e.claimed, e.token)}</td></tr>`
      );
    }),
  );
  const mine = state.account && target.toLowerCase() === state.account.toLowerCase();
  const owed = earnings.filter((e) => BigInt(e.claimable) > 0n);
  const own = new Set((claimable.slots ?? earnings).map((e) => e.artifact.toLowerCase()));
  const derivatives = lineage.filter((l) => !own.has(l.digest.toLowerCase())).length;
  const poolIds = [...new Set(owed.map((e) => e.poolId))];
  main.innerHTML =
    `<h1>My rewards</h1><p class="mono">${esc(target)}</p>` +
    `<p class="total" id="total">${totals.length ? totals.map(esc).join(" + ") : "nothing yet"}</p>` +
    (sources.length ? `<ul id="sources">${sources.join("")}</ul>` : "") +
    `<p class="muted">as of block time ${new Date(Number(at) * 1000).toISOString()}; ` +
    `${earnings.length} slot(s) in ${new Set(earnings.map((e) => e.poolId)).size} pool(s)` +
    (derivatives
      ? `; ${derivatives} derivative artifact(s) downstream: Claim all settles those with flow waiting first, so it can pay more than shown`
      : "") +
    `</p>` +
    (mine
      ? `<p><label>Send to <input id="recipient" value="${esc(state.account)}"/></label> ` +
        `<button id="claim-all" ${owed.length || derivatives ? "" : "disabled"}>Claim all</button></p>` +
        `<details id="gasless"><summary>Sign a gasless claim for a relayer</summary>` +
        `<p class="muted">Signs a <code>claimBySig</code> request for one pool (what it can claim now, to the address ` +
        `above, valid 7 days); anyone relays it and pays the gas: the Relay page, or <code>npx hardhat kc relay file.json</code>.</p>` +
        `<p><label>Pool <select id="sign-pool">${poolIds.map((p) => `<option value="${p}">pool ${p}</option>`).join("")}</select></label> ` +
        `<button id="sign-relay" ${poolIds.length ? "" : "disabled"}>Sign for a relayer</button></p>` +
        `<div id="signed"></div></details>`
      : "") +
    `<table id="earnings"><thead><tr><th>Pool</th><th>Artifact</th><th>Slot</th><th>In the pool as</th>` +
    `<th class="num">Claimable</th><th class="num">Direct</th><th class="num">From derivatives</th>` +
    `<th class="num">Claimed</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  // For the budget: ms from this page's navigation start to the rendered list, and of this view alone.
  main.dataset.renderedAt = String(Math.round(performance.now()));
  main.dataset.loadedMs = String(Math.round(performance.now() - t0));
  if (mine) {
    $("#claim-all", main).addEventListener("click", () => claimAll({ earnings, at, ...claimable }));
    $("#sign-relay", main).addEventListener("click", () =>
      signForRelayer(earnings, $<HTMLSelectElement>("#sign-pool").value),
    );
  }
  await programsSection(main, target);
}

/**
 * Claims everything through the SDK's one write path: `planClaims` (per pool its settlements, then its claim, in
 * one `multicall`; split into several transactions only when one would pass the gas cap, `?maxPerTx=`), every step
 * simulated from the account (gas estimate, and an eth_call for what it pays) before the wallet is asked, then
 * `sendPlan`. A revert anywhere sends nothing and shows the one-line reason.
 */
async function claimAll({ earnings, slots, pools: poolList, lineage }: Earnings): Promise<void> {
  if (!state.signer || !state.account) return;
  const button = $<HTMLButtonElement>("#claim-all");
  button.disabled = true;
  let planned = 0;
  let sent = 0;
  try {
    const recipient = recipientFrom($<HTMLInputElement>("#recipient").value);
    const maxPerTx = maxPerTxFrom(location.search);
    const pools = poolsAt();
    const index = registryIndexFrom(lineage ?? []);
    // Every pool × every slot the account holds, as `kc claim` does; planClaims drops what pays nothing.
    const targets = (slots ?? earnings).map((e) => ({
      artifact: e.artifact.toLowerCase(),
      slot: BigInt(e.slot),
    }));
    const tokenOf = new Map((poolList ?? earnings).map((p) => [p.poolId.toString(), p.token]));
    const digests = [...new Set(targets.map((t) => t.artifact))];
    status(`planning the claims of ${tokenOf.size} pool(s): which derivatives to settle first…`);
    const entries: PoolClaim[] = await Promise.all(
      [...tokenOf.keys()].map(async (poolId) => ({
        poolId: BigInt(poolId),
        settle: await settleList(pools, BigInt(poolId), index, digests),
        targets,
      })),
    );
    status("simulating the claims…");
    // planClaims puts a pool's settlements first, in transactions of their own, when they outgrow one.
    const plan = await planClaims(pools, state.signer, entries, recipient, { index, maxPerTx });
    const settleSelector = pools.interface.getFunction("settle").selector;
    if (!plan) throw new Error("nothing to claim yet");
    planned = plan.steps.length;
    // What each step pays, from an eth_call of it by the account (the steps are independent of each other).
    const pays = await Promise.all(
      plan.steps.map(async (step) => {
        const perToken = new Map<string, bigint>();
        if (step.data.startsWith(settleSelector)) return perToken;
        const ret = await state.reader.call({ from: state.account, to: step.to, data: step.data });
        for (const p of paidByStep(step.data, ret)) {
          const t = tokenOf.get(p.poolId.toString())!;
          perToken.set(t, (perToken.get(t) ?? 0n) + p.amount);
        }
        return perToken;
      }),
    );
    const payText = await Promise.all(pays.map((p) => amounts(p, amount)));
    $("#main").dataset.planSteps = String(planned);
    status(progressText(0, planned, plan.steps[0].label, payText[0]));
    const result = await sendPlan(plan, state.signer, {
      maxPerTx,
      status: (message) => {
        const step = stepOfProgress(message);
        if (!step) return;
        sent = step.i;
        status(progressText(step.i, step.n, step.label, payText[step.i]));
      },
    });
    sent = result.steps.length;
    const paid = new Map<string, bigint>();
    for (const e of result.events.filter((e) => e.name === "RewardsClaimed")) {
      const t = tokenOf.get((e.args.poolId as bigint).toString())!;
      paid.set(t, (paid.get(t) ?? 0n) + (e.args.amount as bigint));
    }
    const summary = `claimed ${await amounts(paid, amount)} in ${sent} transaction(s)`;
    status(`${summary}; waiting for the index to see it…`);
    await indexReached(result.steps[result.steps.length - 1].blockNumber);
    status(summary, "ok");
  } catch (err) {
    const reason = describeError(err, errors);
    status(
      sent === 0
        ? `nothing was sent: ${reason}`
        : `claim stopped after ${sent} of ${planned} transaction(s): ${reason}`,
      "error",
    );
  }
  await state.refresh(false);
}

/**
 * Signs, with the wallet's eth_signTypedData_v4, a `claimBySig` request exactly as `kc claim --sign-only` does
 * (src/signed.ts): the slots of `poolId` with something to claim now (read from the chain), at most that much, to
 * the recipient above, valid 7 days. Shows the request and offers it as the JSON file `kc relay` reads.
 */
async function signForRelayer(earnings: Earning[], poolId: string): Promise<void> {
  if (!state.signer || !state.account) return;
  const out = $("#signed");
  out.innerHTML = "";
  try {
    const recipient = recipientFrom($<HTMLInputElement>("#recipient").value);
    const pools = poolsAt();
    const list = earnings.filter((e) => e.poolId === poolId);
    const now = await Promise.all(
      list.map((e) => pools.claimableBySlot(BigInt(poolId), e.artifact, BigInt(e.slot))),
    );
    const targets = list
      .map((e, i) => ({ artifact: e.artifact.toLowerCase(), slot: BigInt(e.slot), amount: now[i] }))
      .filter((t) => t.amount > 0n);
    const maxAmount = targets.reduce((s, t) => s + t.amount, 0n);
    if (maxAmount === 0n) throw new Error(`nothing to claim in pool ${poolId} yet`);
    const latest = await state.reader.getBlock("latest");
    const token = list[0].token;
    status(`sign the claim of ${await amount(maxAmount, token)} from pool ${poolId} in your wallet…`);
    const request = await signClaim(
      pools,
      state.signer,
      {
        poolId: BigInt(poolId),
        targets: targets.map(({ artifact, slot }) => ({ artifact, slot })),
        recipient,
        maxAmount,
      },
      BigInt(latest!.timestamp) + SIGNED_VALID_FOR,
    );
    const text = `${JSON.stringify(request, null, 2)}\n`;
    const href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const file = `claim-pool-${poolId}-${request.signer.slice(2, 8).toLowerCase()}-${request.message.nonce}.json`;
    out.innerHTML =
      `<p>Signed a claim of at most <b>${esc(await amount(maxAmount, token))}</b> from pool ${esc(poolId)} to ` +
      `<span class="mono">${esc(recipient)}</span>, valid until ` +
      `${new Date(Number(request.message.deadline) * 1000).toISOString()}. ` +
      `<a id="download-request" href="${href}" download="${esc(file)}">Download ${esc(file)}</a></p>` +
      `<textarea id="signed-request" readonly rows="12" cols="90">${esc(text)}</textarea>`;
    status(`signed; give ${file} to a relayer (the Relay page or npx hardhat kc relay)`, "ok");
  } catch (err) {
    status(`nothing was signed: ${describeError(err, errors)}`, "error");
  }
}
