/**
 * Scored programs: the "Scored programs" section of My rewards (what an account can claim per program, with the
 * proof the index served from the active epoch's verified allocation file, and a claim button), the programs
 * list (`#/programs`) and a program page (`#/programs/<id>`). Claims are simulated from the sending account
 * before the wallet is asked; a revert shows the CLI's one-line reason.
 */

import { describeError, errorInterfaceFrom } from "../../../src/decodeError";
import { IScoredPrograms__factory } from "../../../typechain-types/factories/contracts/interfaces/IScoredPrograms__factory";
import { recipientFrom } from "../claimPlan";
import { $, amount, api, esc, indexReached, short, state, status } from "../core";

const programErrors = errorInterfaceFrom([IScoredPrograms__factory.abi]);

interface ProgramEarning {
  programId: string;
  token: string;
  epoch?: string;
  root?: string;
  cumulative?: string;
  proof?: string[];
  claimed: string;
  /** null when the active epoch's files could not be verified (`unavailable` says why). */
  claimable: string | null;
  unavailable?: string;
  pending?: { epoch: string; validAt: string; cumulative: string };
}

const time = (seconds: string | bigint) => new Date(Number(seconds) * 1000).toISOString();

/** Appends the "Scored programs" section for `target` to `main` (My rewards calls this). */
export async function programsSection(main: HTMLElement, target: string): Promise<void> {
  if (!state.config.programs) return;
  const section = document.createElement("section");
  section.id = "program-rewards";
  main.append(section);
  const { earnings } = await api<{ earnings: ProgramEarning[] }>(`/kc/programs/earnings/${target}`);
  const mine = Boolean(state.account && target.toLowerCase() === state.account.toLowerCase());
  const byToken = new Map<string, bigint>();
  for (const e of earnings)
    if (e.claimable) byToken.set(e.token, (byToken.get(e.token) ?? 0n) + BigInt(e.claimable));
  const totals = await Promise.all([...byToken].filter(([, v]) => v > 0n).map(([t, v]) => amount(v, t)));
  const rows = await Promise.all(
    earnings.map(async (e) => {
      const owed = e.claimable !== null && BigInt(e.claimable) > 0n;
      const pending = e.pending
        ? `${await amount(BigInt(e.pending.cumulative) - BigInt(e.cumulative ?? e.claimed), e.token)} ` +
          `more from ${time(e.pending.validAt)} (epoch ${e.pending.epoch})`
        : "";
      return (
        `<tr data-program="${esc(e.programId)}"><td><a href="#/programs/${esc(e.programId)}">program ${esc(e.programId)}</a></td>` +
        `<td>${e.epoch ?? "—"}</td>` +
        `<td class="num">${e.cumulative === undefined ? "—" : await amount(e.cumulative, e.token)}</td>` +
        `<td class="num">${await amount(e.claimed, e.token)}</td>` +
        `<td class="num claimable">${
          e.claimable === null
            ? `<span class="muted" title="${esc(e.unavailable)}">proofs unavailable</span>`
            : await amount(e.claimable, e.token)
        }</td><td class="muted">${esc(pending)}</td>` +
        (mine
          ? `<td><button class="claim-program" data-program="${esc(e.programId)}" ${owed ? "" : "disabled"}>Claim</button></td>`
          : "") +
        `</tr>`
      );
    }),
  );
  section.innerHTML =
    `<h2>Scored programs</h2>` +
    `<p class="total" id="programs-total">${totals.length ? totals.map(esc).join(" + ") : "nothing to claim"}</p>` +
    (mine && earnings.length
      ? `<p><label>Send to <input id="program-recipient" value="${esc(state.account)}"/></label></p>`
      : "") +
    (earnings.length
      ? `<table id="program-earnings"><thead><tr><th>Program</th><th>Epoch</th><th class="num">Cumulative</th>` +
        `<th class="num">Claimed</th><th class="num">Claimable</th><th>Pending</th>${mine ? "<th></th>" : ""}</tr></thead>` +
        `<tbody>${rows.join("")}</tbody></table>`
      : `<p class="muted">no scored program has allocated anything to this account</p>`);
  if (!mine) return;
  for (const button of section.querySelectorAll<HTMLButtonElement>("button.claim-program")) {
    const e = earnings.find((x) => x.programId === button.dataset.program)!;
    button.addEventListener("click", () => claimProgram(e, button));
  }
}

/** `claim` (to the account itself) or `claimTo` (elsewhere) with the served proof, simulated first. */
async function claimProgram(e: ProgramEarning, button: HTMLButtonElement): Promise<void> {
  if (!state.signer || !state.account || !state.config.programs) return;
  button.disabled = true;
  const programs = IScoredPrograms__factory.connect(state.config.programs, state.signer);
  const label = `program ${e.programId}`;
  try {
    const to = recipientFrom($<HTMLInputElement>("#program-recipient").value);
    const self = to === state.account;
    const args = [BigInt(e.programId), BigInt(e.cumulative!), e.proof!] as const;
    status(`${label}: simulating the claim…`);
    const expected = self
      ? await programs.claim.staticCall(args[0], state.account, args[1], args[2])
      : await programs.claimTo.staticCall(...args, to);
    status(`${label}: confirm the claim of ${await amount(expected, e.token)} in your wallet…`);
    const tx = self
      ? await programs.claim(args[0], state.account, args[1], args[2])
      : await programs.claimTo(...args, to);
    status(`${label}: waiting for ${short(tx.hash)}…`);
    const receipt = await tx.wait();
    if (receipt?.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
    status(`${label}: claimed ${await amount(expected, e.token)}; waiting for the index to see it…`);
    await indexReached(receipt.blockNumber);
    status(`${label}: claimed ${await amount(expected, e.token)} to ${to}`, "ok");
  } catch (err) {
    status(`${label}: ${describeError(err, programErrors)}`, "error");
    button.disabled = false;
    return;
  }
  await state.refresh(false);
}

/** `#/programs` (the list) and `#/programs/<id>` (one program). */
export async function programsPage(main: HTMLElement, id?: string): Promise<void> {
  if (id) return programPage(main, id);
  const { programs, indexed } = await api(`/kc/programs`);
  const rows = await Promise.all(
    programs.map(
      async (p: any) =>
        `<tr><td><a href="#/programs/${p.programId}">program ${p.programId}</a></td>` +
        `<td class="mono">${esc(short(p.view.scorer))}</td><td>${p.view.activeEpoch}</td>` +
        `<td>${p.view.pendingValidAt !== "0" ? `epoch ${Number(p.view.activeEpoch) + 1} from ${time(p.view.pendingValidAt)}` : "—"}</td>` +
        `<td class="num">${await amount(p.view.received, p.token)}</td>` +
        `<td class="num">${await amount(p.view.claimed, p.token)}</td></tr>`,
    ),
  );
  main.innerHTML =
    `<h1>Scored programs</h1>` +
    (indexed ? "" : `<p class="muted">the index has no programs contract configured (KC_PROGRAMS)</p>`) +
    `<table id="programs"><thead><tr><th>Program</th><th>Scorer</th><th>Active epoch</th><th>Pending</th>` +
    `<th class="num">Funded</th><th class="num">Claimed</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

async function programPage(main: HTMLElement, id: string): Promise<void> {
  const p = await api(`/kc/programs/${encodeURIComponent(id)}`);
  const v = p.program.view;
  const t = p.program.token;
  const epochs = await Promise.all(
    p.epochs.map(
      async (e: any) =>
        `<tr class="epoch-${esc(e.status)}"><td>${e.epoch}</td><td class="status">${esc(e.status)}</td>` +
        `<td class="mono" title="${esc(e.root)}">${short(e.root)}</td>` +
        `<td class="num">${await amount(e.cumulativeTotal, t)}</td><td>${time(e.validAt)}</td>` +
        `<td class="mono">${esc(e.allocationURI || "—")}</td></tr>`,
    ),
  );
  const claims = await Promise.all(
    p.claims.map(
      async (c: any) =>
        `<tr><td><a class="mono" href="#/rewards/${esc(c.account)}">${esc(c.account)}</a></td>` +
        `<td class="num">${await amount(c.claimed, t)}</td></tr>`,
    ),
  );
  const files = p.activeFiles
    ? p.activeFiles.verified
      ? `proofs from ${esc(p.activeFiles.source)} (${p.activeFiles.accounts} accounts, hash and root verified)`
      : `proofs unavailable: ${esc(p.activeFiles.reason)}`
    : "no active epoch yet";
  const facts: [string, string][] = [
    ["token", `<span class="mono">${esc(t)}</span>`],
    ["scorer", `<span class="mono">${esc(v.scorer)}</span>`],
    ["guardian", `<span class="mono">${esc(v.guardian)}</span>`],
    ["dispute window", `${v.disputeWindow} s`],
    ["funded", await amount(v.received, t)],
    ["claimed", await amount(v.claimed, t)],
    ["active epoch", `${v.activeEpoch} (total ${await amount(v.activeTotal, t)})`],
    ["epoch files", files],
  ];
  if (v.pendingValidAt !== "0")
    facts.push(["pending", `epoch ${Number(v.activeEpoch) + 1} pays from ${time(v.pendingValidAt)}`]);
  main.innerHTML =
    `<h1>Program ${esc(p.program.programId)}</h1>` +
    `<table id="program-facts"><tbody>${facts.map(([k, x]) => `<tr><th>${k}</th><td id="program-${k.replace(/ /g, "-")}">${x}</td></tr>`).join("")}</tbody></table>` +
    `<h2>Epochs</h2><table id="program-epochs"><thead><tr><th>Epoch</th><th>Status</th><th>Root</th>` +
    `<th class="num">Cumulative total</th><th>Valid at</th><th>Allocation URI</th></tr></thead><tbody>${epochs.join("")}</tbody></table>` +
    `<h2>Claimed</h2><table id="program-claims"><thead><tr><th>Account</th><th class="num">Claimed</th></tr></thead>` +
    `<tbody>${claims.join("")}</tbody></table>`;
}
