/** My rewards: what an account can claim across every pool, and claim all. */
import { getAddress } from "ethers";

import { describeError } from "../../../src/decodeError";
import { IRewardPools__factory } from "../../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { $, amount, api, errors, esc, indexReached, short, state, status } from "../core";
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
}

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
  const { earnings, at } = await api<{ earnings: Earning[]; at: string }>(`/kc/earnings/${target}`);
  const byToken = new Map<string, bigint>();
  for (const e of earnings) byToken.set(e.token, (byToken.get(e.token) ?? 0n) + BigInt(e.claimable));
  const totals = await Promise.all([...byToken].map(async ([t, v]) => amount(v, t)));
  const rows = await Promise.all(
    earnings.map(
      async (e) =>
        `<tr><td><a href="#/pool/${e.poolId}">pool ${e.poolId}</a></td>` +
        `<td><a href="#/artifact/${e.artifact}" class="mono">${short(e.artifact)}</a></td>` +
        `<td>${e.slot}</td><td>${esc(e.via)}</td>` +
        `<td class="num claimable">${await amount(e.claimable, e.token)}</td>` +
        `<td class="num">${await amount(e.claimed, e.token)}</td></tr>`,
    ),
  );
  const mine = state.account && target.toLowerCase() === state.account.toLowerCase();
  const owed = earnings.filter((e) => BigInt(e.claimable) > 0n);
  main.innerHTML =
    `<h1>My rewards</h1><p class="mono">${esc(target)}</p>` +
    `<p class="total" id="total">${totals.length ? totals.map(esc).join(" + ") : "nothing yet"}</p>` +
    `<p class="muted">as of block time ${new Date(Number(at) * 1000).toISOString()}; ` +
    `${earnings.length} slot(s) in ${new Set(earnings.map((e) => e.poolId)).size} pool(s)</p>` +
    (mine
      ? `<p><label>Send to <input id="recipient" value="${esc(state.account)}"/></label> ` +
        `<button id="claim-all" ${owed.length ? "" : "disabled"}>Claim all</button></p>`
      : "") +
    `<table id="earnings"><thead><tr><th>Pool</th><th>Artifact</th><th>Slot</th><th>From</th>` +
    `<th class="num">Claimable</th><th class="num">Claimed</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  // For the budget: ms from this page's navigation start to the rendered list, and of this view alone.
  main.dataset.renderedAt = String(Math.round(performance.now()));
  main.dataset.loadedMs = String(Math.round(performance.now() - t0));
  if (mine) $("#claim-all", main).addEventListener("click", () => claimAll(owed));
  await programsSection(main, target);
}

/** One `claim` per pool (a pool pays in one token transfer), each simulated before the wallet is asked. */
async function claimAll(owed: Earning[]): Promise<void> {
  if (!state.signer || !state.account) return;
  const button = $<HTMLButtonElement>("#claim-all");
  button.disabled = true;
  const recipient = $<HTMLInputElement>("#recipient").value.trim();
  const pools = IRewardPools__factory.connect(state.config.pools, state.signer);
  const byPool = new Map<string, Earning[]>();
  for (const e of owed) byPool.set(e.poolId, [...(byPool.get(e.poolId) ?? []), e]);
  let done = 0;
  let lastBlock = 0;
  try {
    const to = getAddress(recipient);
    for (const [poolId, list] of byPool) {
      const targets = list.map((e) => ({ artifact: e.artifact, slot: BigInt(e.slot) }));
      status(`pool ${poolId}: simulating the claim…`);
      const expected = await pools.claim.staticCall(poolId, targets, to);
      status(`pool ${poolId}: confirm the claim of ${await amount(expected, list[0].token)} in your wallet…`);
      const tx = await pools.claim(poolId, targets, to);
      status(`pool ${poolId}: waiting for ${short(tx.hash)}…`);
      const receipt = await tx.wait();
      if (receipt?.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
      lastBlock = receipt.blockNumber;
      done++;
    }
    status(`claimed from ${done} pool(s); waiting for the index to see it…`);
    await indexReached(lastBlock);
    status(`claimed from ${done} pool(s)`, "ok");
  } catch (err) {
    status(`claim stopped after ${done} of ${byPool.size} pool(s): ${describeError(err, errors)}`, "error");
  }
  await state.refresh(false);
}
