/**
 * The curator's panel on the pool page: admit an artifact, set a member's weight, remove it, execute or cancel an
 * announced change. With a curation delay each action announces a change that anyone may execute once it is due.
 * Each action is sent from the connected wallet (simulated first), or, for a curator that is a contract (a Safe)
 * or on request, shown and offered for download as a Safe Transaction Builder batch or raw calldata: the same
 * output as `kc … --safe` / `--calldata` (src/calldata.ts), simulated as the curator first.
 */
import { getAddress } from "ethers";

import { type UnsentMode, encodeCall, renderUnsent, simulateAs } from "../../../src/calldata";
import { describeError } from "../../../src/decodeError";
import { KcError } from "../../../src/errors";
import { isoTime } from "../../../src/format";
import { KINDS, parseDigest } from "../../../src/parse";
import { eventsNamed } from "../../../src/tx";
import { IKnowledgeRegistry__factory } from "../../../typechain-types/factories/contracts/interfaces/IKnowledgeRegistry__factory";
import { IRewardPools__factory } from "../../../typechain-types/factories/contracts/interfaces/IRewardPools__factory";
import { $, errors, esc, indexReached, short, state, status } from "../core";
import { sendSteps } from "../txflow";

type Mode = "send" | UnsentMode;

interface Action {
  method: string;
  args: unknown[];
  /** The CLI's words for it (the batch's description). */
  what: string;
}

export async function curatorPanel(el: HTMLElement, poolId: bigint, p: any): Promise<void> {
  const curator = getAddress(p.pool.view.curator);
  const delay = BigInt(p.pool.view.curationDelay);
  const isContract = (await state.reader.getCode(curator)) !== "0x";
  const mine = state.account !== undefined && state.account.toLowerCase() === curator.toLowerCase();
  const who = mine
    ? "You are this pool's curator."
    : isContract
      ? `The curator ${esc(curator)} is a contract (a Safe or a Governor?): actions are shown as a batch or calldata for it to propose.`
      : `The curator is ${esc(curator)}.`;
  const members = p.members.filter((m: any) => m.weight !== "0");
  const render = () => {
    el.innerHTML =
      `<h2>Curate</h2><p>${who} ${
        delay > 0n
          ? `Changes are announced and apply after the curation delay of ${delay} s (anyone may execute them then).`
          : "Changes apply at once (no curation delay)."
      }</p>` +
      `<p><label>Output <select id="curate-mode">` +
      `<option value="send" ${state.signer ? "" : "disabled"}>send from my wallet</option>` +
      `<option value="safe">Safe Transaction Builder JSON</option>` +
      `<option value="calldata">raw calldata</option></select></label></p>` +
      `<table id="curate"><thead><tr><th>Artifact</th><th class="num">Weight</th><th>New weight</th><th></th></tr></thead><tbody>` +
      members
        .map(
          (m: any) =>
            `<tr data-artifact="${esc(m.artifact)}" data-weight="${esc(m.weight)}"><td class="mono">${short(m.artifact)}</td>` +
            `<td class="num">${esc(m.weight)}</td><td><input class="new-weight" size="6" value="${esc(m.weight)}"/></td>` +
            `<td><button class="set-weight">Set weight</button> <button class="remove">Remove</button></td></tr>`,
        )
        .join("") +
      `</tbody></table>` +
      `<form id="admit"><input id="admit-artifact" size="70" placeholder="0x… artifact digest"/> ` +
      `<label>weight <input id="admit-weight" size="6" value="1"/></label> <button>Admit</button></form>` +
      (p.pendingChanges.length
        ? `<h3>Announced changes</h3><table id="changes"><thead><tr><th>Change</th><th>Steps</th><th>Executable from</th><th></th></tr></thead><tbody>` +
          p.pendingChanges
            .map(
              (c: any) =>
                `<tr data-change="${esc(c.changeId)}"><td>#${esc(c.changeId)}</td><td>${c.ops
                  .map(
                    (o: any) =>
                      `${esc(o.action)} <span class="mono">${short(o.artifact)}</span>${o.action === "Remove" ? "" : ` weight ${esc(o.weight)}`}`,
                  )
                  .join("<br/>")}</td><td>${isoTime(c.executeAfter)}</td>` +
                `<td><button class="execute">Execute</button> <button class="cancel">Cancel</button></td></tr>`,
            )
            .join("") +
          `</tbody></table>`
        : "") +
      `<div id="unsent" hidden><h3 id="unsent-title"></h3><pre id="unsent-text" class="mono"></pre>` +
      `<a id="unsent-download" download="">Download</a></div>`;
    const mode = $<HTMLSelectElement>("#curate-mode", el);
    mode.value = mine && !isContract && state.signer ? "send" : "safe";
    const run =
      (action: () => Promise<Action>, curatorOnly = true) =>
      () =>
        void act(el, poolId, curator, mode.value as Mode, action, curatorOnly);
    el.querySelectorAll<HTMLTableRowElement>("#curate tbody tr").forEach((row) => {
      const artifact = row.dataset.artifact!;
      $("button.set-weight", row).addEventListener(
        "click",
        run(async () => {
          const weight = parseWeight($<HTMLInputElement>("input.new-weight", row).value);
          return {
            method: "setWeight",
            args: [poolId, artifact, weight],
            what: `change the weight of ${artifact} (${await kindOf(artifact)}) in pool #${poolId} from ${row.dataset.weight} to ${weight}`,
          };
        }),
      );
      $("button.remove", row).addEventListener(
        "click",
        run(async () => ({
          method: "remove",
          args: [poolId, artifact],
          what: `remove ${artifact} (${await kindOf(artifact)}) from pool #${poolId}; what it earned stays claimable`,
        })),
      );
    });
    $("#admit", el).addEventListener("submit", (e) => {
      e.preventDefault();
      run(async () => {
        const artifact = parseDigest($<HTMLInputElement>("#admit-artifact", el).value, "artifact");
        const weight = parseWeight($<HTMLInputElement>("#admit-weight", el).value);
        const registry = IKnowledgeRegistry__factory.connect(state.config.registry, state.reader);
        if (!(await registry.exists(artifact))) throw new KcError(`artifact ${artifact} is not registered`);
        const record = await registry.artifact(artifact);
        if (record.retracted)
          throw new KcError(`artifact ${artifact} was retracted by its owner and cannot be admitted`);
        if (members.some((m: any) => m.artifact.toLowerCase() === artifact.toLowerCase()))
          throw new KcError(`artifact ${artifact} is already in pool #${poolId}; change its weight instead`);
        return {
          method: "admit",
          args: [poolId, artifact, weight],
          what: `admit ${artifact} (${KINDS[Number(record.kind)]}) to pool #${poolId} with weight ${weight}`,
        };
      })();
    });
    el.querySelectorAll<HTMLTableRowElement>("#changes tbody tr").forEach((row) => {
      const changeId = BigInt(row.dataset.change!);
      $("button.execute", row).addEventListener(
        "click",
        run(
          async () => ({
            method: "executeChange",
            args: [poolId, changeId],
            what: `execute change #${changeId} of pool #${poolId}`,
          }),
          false,
        ),
      );
      $("button.cancel", row).addEventListener(
        "click",
        run(async () => ({
          method: "cancelChange",
          args: [poolId, changeId],
          what: `cancel change #${changeId} of pool #${poolId}`,
        })),
      );
    });
  };
  render();
}

/** A pool weight: a whole number in 1..2^32-1 (stored as uint32), as the CLI's `--weight`. */
function parseWeight(s: string): number {
  const text = s.trim();
  if (!/^\d+$/.test(text) || BigInt(text) === 0n || BigInt(text) > 0xffff_ffffn)
    throw new KcError(`weight must be a whole number from 1 to 4294967295: "${s}"`);
  return Number(text);
}

async function kindOf(artifact: string): Promise<string> {
  const registry = IKnowledgeRegistry__factory.connect(state.config.registry, state.reader);
  return KINDS[Number((await registry.artifact(artifact)).kind)];
}

/**
 * Sends `action` from the wallet, or shows it for the curator (`from`) to propose: simulated as the curator first
 * in both cases (a change anyone may execute is simulated as the sender when sent).
 */
async function act(
  el: HTMLElement,
  poolId: bigint,
  curator: string,
  mode: Mode,
  build: () => Promise<Action>,
  curatorOnly: boolean,
): Promise<void> {
  const buttons = [...el.querySelectorAll<HTMLButtonElement>("button")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    const action = await build();
    const pools = IRewardPools__factory.connect(state.config.pools, state.reader);
    const call = encodeCall(pools.interface, state.config.pools, action.method, action.args);
    if (mode !== "send") {
      status(`${action.what}: simulating as the curator ${curator}…`);
      await simulateAs(state.reader, curatorOnly ? curator : (state.account ?? curator), [call]);
      const { text } = renderUnsent(mode, BigInt(state.config.chainId), curator, [call], action.what);
      $("#unsent", el).hidden = false;
      $("#unsent-title", el).textContent =
        mode === "safe" ? "Safe Transaction Builder batch (import it in the Safe app)" : "Calldata";
      $("#unsent-text", el).textContent = text;
      const link = $<HTMLAnchorElement>("#unsent-download", el);
      const old = link.href;
      link.href = URL.createObjectURL(new Blob([`${text}\n`], { type: "application/json" }));
      link.download = `pool-${poolId}-${action.method}${mode === "safe" ? "-safe" : "-calldata"}.json`;
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      status(`not sent: ${action.what}; to be sent by ${curator}`, "ok");
      buttons.forEach((b) => (b.disabled = false));
      return;
    }
    const [result] = await sendSteps(action.what, [{ label: action.what, to: call.to, data: call.data }]);
    const block = result.steps[0].blockNumber;
    const announced = eventsNamed(result.events, "CurationAnnounced")[0];
    status(`${action.what}: waiting for the index to see block ${block}…`);
    await indexReached(block);
    status(
      announced
        ? `Announced: ${action.what}; change #${announced.args.changeId}, executable by anyone from ${isoTime(announced.args.executeAfter)}`
        : `Done: ${action.what}`,
      "ok",
    );
    await state.refresh(false);
  } catch (err) {
    status(describeError(err, errors), "error");
    buttons.forEach((b) => (b.disabled = false));
  }
}
