/**
 * Relay: any connected wallet sends someone's signed request (the JSON file "Sign for a relayer" or
 * `kc claim --sign-only` writes) and pays its gas, through the SDK's `relay` (src/signed.ts): checked for this
 * chain, contract and signer, simulated from the relaying account, then sent. Shows who is paid what.
 */
import type { Interface } from "ethers";

import { describeError } from "../../../src/decodeError";
import {
  type SignedRequest,
  callArguments,
  checkRequest,
  parseSignedRequest,
  relay,
} from "../../../src/signed";
import { $, amount, errors, esc, short, state, status } from "../core";
import { poolsAt, registryAt } from "../sdk";

export async function relayPage(main: HTMLElement): Promise<void> {
  main.innerHTML =
    `<h1>Relay a signed request</h1>` +
    `<p class="muted">Paste or drop the JSON of a signed claim (from “Sign for a relayer” on My rewards, or ` +
    `<code>kc claim --sign-only</code>). Your wallet sends it and pays the gas; the rewards go to the recipient ` +
    `the claimant signed.</p>` +
    `<p><input type="file" id="request-file" accept="application/json,.json"/></p>` +
    `<textarea id="request-json" rows="14" cols="90" placeholder='{"type": "knowledge-commons/signed-request", …}'></textarea>` +
    `<p><button id="relay-submit" ${state.signer ? "" : "disabled"}>Relay</button>` +
    (state.signer ? "" : ` <span class="muted">connect a wallet to relay</span>`) +
    `</p><div id="relay-result"></div>`;
  const box = $<HTMLTextAreaElement>("#request-json", main);
  const load = async (file: File | undefined) => {
    if (file) box.value = await file.text();
  };
  $<HTMLInputElement>("#request-file", main).addEventListener("change", (e) =>
    load((e.target as HTMLInputElement).files?.[0]),
  );
  box.addEventListener("dragover", (e) => e.preventDefault());
  box.addEventListener("drop", (e) => {
    e.preventDefault();
    void load(e.dataTransfer?.files[0]);
  });
  $("#relay-submit", main).addEventListener("click", () => submit(box.value));
}

async function submit(text: string): Promise<void> {
  if (!state.signer || !state.account) return;
  const button = $<HTMLButtonElement>("#relay-submit");
  const out = $("#relay-result");
  button.disabled = true;
  out.innerHTML = "";
  try {
    const request = parseSignedRequest(text, "the request");
    const contracts = { registry: registryAt(), pools: poolsAt() };
    if (request.function === "registerBySig" && (await contracts.registry.minCommitAge()) > 0n)
      throw new Error(
        "this registration needs a commitment first (commit-reveal is on): relay it with npx hardhat kc relay",
      );
    const target = await checkRequest(request, state.signer, contracts);
    status("simulating the request from your account…");
    const iface = target.interface as Interface;
    const data = iface.encodeFunctionData(request.function, callArguments(request));
    const ret = await state.reader.call({ from: state.account, to: await target.getAddress(), data });
    const preview = await describePreview(request, iface.decodeFunctionResult(request.function, ret));
    status(`${preview}; confirm in your wallet (you pay the gas)…`);
    const done = await relay(request, state.signer, contracts);
    if (done.claimed) {
      const token = (await contracts.pools.pool(BigInt(request.message.poolId as string))).token;
      const total = done.claimed.reduce((s, c) => s + c.amount, 0n);
      const rows = await Promise.all(
        done.claimed.map(
          async (c) =>
            `<tr><td><a class="mono" href="#/artifact/${c.artifact}">${short(c.artifact)}</a></td><td>${c.slot}</td>` +
            `<td class="mono">${esc(c.account)}</td><td class="mono">${esc(c.recipient)}</td>` +
            `<td class="num">${esc(await amount(c.amount, token))}</td></tr>`,
        ),
      );
      out.innerHTML =
        `<p id="relay-paid">Paid <b>${esc(await amount(total, token))}</b> to <span class="mono">${esc(done.claimed[0].recipient)}</span>` +
        ` for <span class="mono">${esc(request.signer)}</span>; <span class="mono">${esc(state.account)}</span> paid the gas ` +
        `(tx <span class="mono">${esc(done.receipt.hash)}</span>, block ${done.receipt.blockNumber}).</p>` +
        `<table id="relay-claims"><thead><tr><th>Artifact</th><th>Slot</th><th>Claimant</th><th>Recipient</th>` +
        `<th class="num">Amount</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
      status(`relayed: paid ${await amount(total, token)} to ${done.claimed[0].recipient}`, "ok");
    } else {
      out.innerHTML = `<p id="relay-paid">Registered <a class="mono" href="#/artifact/${done.registered!.digest}">${esc(done.registered!.digest)}</a> for ${esc(done.registered!.owner)}.</p>`;
      status(`relayed the registration of ${done.registered!.digest}`, "ok");
    }
  } catch (err) {
    status(`nothing was relayed: ${describeError(err, errors)}`, "error");
  } finally {
    button.disabled = false;
  }
}

/** "pays 12.5 COMM to 0x… (signed by 0x…)" from the request and its simulation's return value. */
async function describePreview(request: SignedRequest, result: readonly unknown[]): Promise<string> {
  if (request.function === "registerBySig") return `registers ${String(request.message.digest)}`;
  const poolId = BigInt(request.message.poolId as string);
  const token = (await poolsAt().pool(poolId)).token;
  return (
    `pays ${await amount(result[0] as bigint, token)} from pool ${poolId} to ${String(request.message.recipient)} ` +
    `(signed by ${request.signer})`
  );
}
