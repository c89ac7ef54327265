/** The pools list and the pool page. */
import { amount, api, esc, short, token } from "../core";
import { poolActions } from "./fund";

export async function poolsPage(main: HTMLElement): Promise<void> {
  const { pools } = await api(`/kc/pools`);
  const rows = await Promise.all(
    pools.map(
      async (p: any) =>
        `<tr><td><a href="#/pool/${p.poolId}">pool ${p.poolId}</a></td><td class="mono">${esc(p.curator)}</td>` +
        `<td class="num">${p.view.totalWeight}</td><td class="num">${await amount(p.funded, p.token)}</td>` +
        `<td class="num">${await amount(p.claimed, p.token)}</td></tr>`,
    ),
  );
  main.innerHTML =
    `<h1>Pools</h1><table><thead><tr><th>Pool</th><th>Curator</th><th class="num">Total weight</th>` +
    `<th class="num">Funded</th><th class="num">Claimed</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export async function poolPage(main: HTMLElement, id: string): Promise<void> {
  const p = await api(`/kc/pools/${id}`);
  const v = p.pool.view;
  const t = p.pool.token;
  const streams = await Promise.all(
    p.streams.map(
      async (s: any) =>
        `<tr><td class="mono">${esc(s.funder)}</td><td class="num">${await amount(s.amount, t)}</td>` +
        `<td class="num">${await amount(s.released, t)}</td><td>${new Date(Number(s.start) * 1000).toISOString()} → ` +
        `${new Date(Number(s.end) * 1000).toISOString()}</td><td>${s.cancelable ? "yes" : "no"}</td><td>${s.status}</td></tr>`,
    ),
  );
  main.innerHTML =
    `<h1>Pool ${esc(id)}</h1><table id="pool"><tbody>` +
    `<tr><th>Token</th><td class="mono">${esc(t)} (${esc((await token(t)).symbol)})</td></tr>` +
    `<tr><th>Curator</th><td class="mono">${esc(v.curator)}</td></tr>` +
    `<tr><th>Curation delay</th><td>${v.curationDelay} s</td></tr>` +
    `<tr><th>Funded</th><td>${await amount(p.pool.funded, t)}</td></tr>` +
    `<tr><th>Claimed</th><td>${await amount(p.pool.claimed, t)}</td></tr>` +
    `<tr><th>Still streaming</th><td>${await amount(v.streaming, t)}</td></tr>` +
    `<tr><th>Carried forward</th><td>${await amount(v.carried, t)}</td></tr></tbody></table>` +
    `<h2>Members</h2><table><thead><tr><th>Artifact</th><th class="num">Weight</th></tr></thead><tbody>` +
    p.members
      .filter((m: any) => m.weight !== "0")
      .map(
        (m: any) =>
          `<tr><td><a class="mono" href="#/artifact/${m.artifact}">${short(m.artifact)}</a></td><td class="num">${m.weight}</td></tr>`,
      )
      .join("") +
    `</tbody></table><h2>Streams</h2><table><thead><tr><th>Funder</th><th class="num">Amount</th><th class="num">Released</th>` +
    `<th>Schedule</th><th>Cancelable</th><th>Status</th></tr></thead><tbody>${streams.join("")}</tbody></table>` +
    `<h2>Pending curation changes</h2><p>${p.pendingChanges.length ? p.pendingChanges.map((c: any) => `#${c.changeId} after ${new Date(Number(c.executeAfter) * 1000).toISOString()}`).join(", ") : "none"}</p>`;
  await poolActions(main, id, p);
}
