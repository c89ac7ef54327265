/**
 * The pool page's actions: fund the pool (at once or as a stream; an ERC-2612 permit in the same transaction when
 * the token supports it, else approve + fund, no approve when the allowance already suffices), the chart of what it
 * was funded and paid, and the curator's panel (./curate.ts). Amounts are typed and shown in token units.
 */
import { describeError } from "../../../src/decodeError";
import { KcError } from "../../../src/errors";
import { formatDuration } from "../../../src/format";
import { parseAmount, parseDuration } from "../../../src/parse";
import { permitSupport, signPermit, tokenInfo } from "../../../src/token";
import { callStep, eventNamed } from "../../../src/tx";
import { IRewardPools__factory } from "../../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { $, errors, esc, indexReached, state, status } from "../core";
import { sendSteps } from "../txflow";
import { poolChart } from "./charts";
import { curatorPanel } from "./curate";

/** How long a permit signature stays valid (as the CLI's `kc fund`). */
const PERMIT_LIFETIME = 3_600n;

/** Appends the fund form, the funded/claimed chart and the curator panel to the pool page. */
export async function poolActions(main: HTMLElement, poolId: string, p: any): Promise<void> {
  const section = document.createElement("section");
  section.id = "pool-actions";
  main.append(section);
  const t = await tokenInfo(p.pool.token, state.reader);
  const canSend = Boolean(state.signer && state.account);
  section.innerHTML =
    `<h2>Funded and claimed over time</h2><div id="pool-chart" class="muted">loading…</div>` +
    `<h2>Fund this pool</h2>` +
    `<form id="fund"><label>Amount <input id="fund-amount" name="amount" size="12" placeholder="1.5" ` +
    `autocomplete="off"/> ${esc(t.symbol)}</label> ` +
    `<label><input type="radio" name="how" value="now" checked/> at once</label> ` +
    `<label><input type="radio" name="how" value="stream"/> as a stream over</label> ` +
    `<input id="fund-duration" size="10" value="30 days"/> ` +
    `<label><input type="checkbox" id="fund-cancelable"/> cancelable</label> ` +
    `<button id="fund-go" ${canSend ? "" : "disabled"}>Fund</button></form>` +
    `<p class="muted" id="fund-note">${
      canSend
        ? "At once: distributed now by the members' weights. A stream releases linearly over its duration; " +
          "a cancelable one can be stopped later and the unreleased rest taken back."
        : "Connect a wallet to fund this pool."
    }${
      p.pendingChanges.length
        ? ` Note: ${p.pendingChanges.length} announced curation change(s) not yet applied change who this pays.`
        : ""
    }</p>` +
    `<div id="curator"></div>`;
  $("#fund", section).addEventListener("submit", (e) => {
    e.preventDefault();
    void fund(BigInt(poolId), p.pool.token);
  });
  await Promise.all([
    poolChart($("#pool-chart", section), poolId),
    curatorPanel($("#curator", section), BigInt(poolId), p),
  ]);
}

/** Reads the form, checks what can be checked without asking anyone, then funds (see the module comment). */
async function fund(poolId: bigint, tokenAddress: string): Promise<void> {
  const button = $<HTMLButtonElement>("#fund-go");
  const signer = state.signer;
  const account = state.account;
  if (!signer || !account) return;
  button.disabled = true;
  let lastBlock = 0;
  try {
    const t = await tokenInfo(tokenAddress, state.reader);
    const value = parseAmount($<HTMLInputElement>("#fund-amount").value, t.decimals);
    if (value === 0n) throw new KcError("the amount must be greater than zero");
    const stream = ($<HTMLInputElement>('#fund input[name="how"]:checked')?.value ?? "now") === "stream";
    const duration = stream ? parseDuration($<HTMLInputElement>("#fund-duration").value) : undefined;
    const cancelable = stream && $<HTMLInputElement>("#fund-cancelable").checked;
    const spender = state.config.pools;
    status("checking your balance and allowance…");
    const balance: bigint = await t.contract.balanceOf(account);
    if (balance < value)
      throw new KcError(`${account} holds ${t.format(balance)}, less than the ${t.format(value)} to fund`);
    const allowance: bigint = await t.contract.allowance(account, spender);
    const pools = IRewardPools__factory.connect(spender, state.reader);
    if (duration !== undefined) {
      const max = await pools.MAX_STREAM_DURATION();
      if (duration > max)
        throw new KcError(`a stream lasts at most ${formatDuration(max)}, not ${formatDuration(duration)}`);
    }
    const what = stream ? `stream into pool #${poolId}` : `fund pool #${poolId}`;
    // 0 makes the contract search the pool's stream ends from the earliest: right in every case, more gas when
    // the pool has many streams ending after this one.
    const hint = 0n;
    let steps;
    if (allowance >= value) {
      steps = [
        stream
          ? callStep(pools, "fundStream", [poolId, value, duration, cancelable, hint], what)
          : callStep(pools, "fund", [poolId, value], what),
      ];
    } else if (await permitSupport(t, account)) {
      const now = BigInt((await state.reader.getBlock("latest"))!.timestamp);
      status(
        `${what}: sign the permit for ${t.format(value)} in your wallet (a signature, not a transaction)…`,
      );
      const permit = await signPermit(t, signer, spender, value, now + PERMIT_LIFETIME);
      if (!permit) throw new KcError(`token ${tokenAddress} stopped answering its permit domain`);
      const { deadline, v, r, s } = permit;
      steps = [
        stream
          ? callStep(
              pools,
              "fundStreamWithPermit",
              [poolId, value, duration, cancelable, hint, deadline, v, r, s],
              `${what} with a permit`,
            )
          : callStep(pools, "fundWithPermit", [poolId, value, deadline, v, r, s], `${what} with a permit`),
      ];
    } else {
      steps = [
        callStep(t.contract, "approve", [spender, value], `approve ${t.format(value)}`),
        stream
          ? callStep(pools, "fundStream", [poolId, value, duration, cancelable, hint], what)
          : callStep(pools, "fund", [poolId, value], what),
      ];
    }
    const results = await sendSteps(what, steps);
    const last = results[results.length - 1];
    lastBlock = last.steps[0].blockNumber;
    const event = eventNamed(last.events, stream ? "StreamCreated" : "PoolFunded");
    const received = event.args.received as bigint;
    status(`${what}: waiting for the index to see block ${lastBlock}…`);
    await indexReached(lastBlock);
    status(
      `${stream ? `streaming ${t.format(received)} into` : `funded ${t.format(received)} to`} pool #${poolId}` +
        (received < value ? ` (the token kept ${t.format(value - received)} as a transfer fee)` : "") +
        ` in ${results.length} transaction(s)`,
      "ok",
    );
    await state.refresh(false);
  } catch (err) {
    status(`${describeError(err, errors)}`, "error");
    button.disabled = false;
  }
}
