/**
 * The charts: a pool's funded, refunded and claimed totals over time (pool page) and what an artifact earned in
 * each pool over time (artifact page), from the index's `/series` endpoints, drawn by ../chart.ts. A chart that
 * cannot load says why in its place; the rest of the page stays.
 */
import { describeError } from "../../../src/decodeError";
import { lineChart } from "../chart";
import { api, errors, esc, token } from "../core";

interface PoolSeries {
  token: string;
  points: { block: number; timestamp: string; funded: string; refunded: string; claimed: string }[];
}

interface ArtifactSeries {
  pools: {
    poolId: string;
    token: string;
    points: { block: number; timestamp: string; earned: string; claimed: string }[];
  }[];
}

const pts = <P extends { timestamp: string }>(points: P[], field: keyof P) =>
  points.map((p) => ({ t: Number(p.timestamp), v: BigInt(p[field] as string) }));

export async function poolChart(el: HTMLElement, poolId: string): Promise<void> {
  try {
    const s = await api<PoolSeries>(`/kc/pools/${poolId}/series`);
    const t = await token(s.token);
    const series = [
      { name: "funded", cls: "funded", points: pts(s.points, "funded") },
      { name: "claimed", cls: "claimed", points: pts(s.points, "claimed") },
    ];
    if (s.points.some((p) => p.refunded !== "0"))
      series.push({
        name: "refunded (cancelled streams)",
        cls: "refunded",
        points: pts(s.points, "refunded"),
      });
    el.className = "";
    el.innerHTML =
      lineChart(series, t, { step: true, title: `pool ${poolId}: funded and claimed over time` }) +
      `<p class="muted">Totals after each block that funded, refunded or paid this pool (a stream counts in full ` +
      `when it starts), up to now.</p>`;
  } catch (err) {
    el.innerHTML = `<p class="error">chart unavailable: ${esc(describeError(err, errors))}</p>`;
  }
}

/** Appends "What it earned over time" to the artifact page. */
export async function artifactEarnings(main: HTMLElement, digest: string): Promise<void> {
  const section = document.createElement("section");
  section.innerHTML = `<h2>What it earned over time</h2><div id="earned" class="muted">loading…</div>`;
  main.append(section);
  await artifactChart(section.querySelector<HTMLElement>("#earned")!, digest);
}

export async function artifactChart(el: HTMLElement, digest: string): Promise<void> {
  try {
    const s = await api<ArtifactSeries>(`/kc/artifacts/${digest}/series`);
    el.className = "";
    if (s.pools.length === 0) {
      el.innerHTML = `<p class="muted">It has earned nothing yet: no pool pays it or its derivatives.</p>`;
      return;
    }
    const charts = await Promise.all(
      s.pools.map(async (p) => {
        const t = await token(p.token);
        return (
          `<h3>In <a href="#/pool/${esc(p.poolId)}">pool ${esc(p.poolId)}</a> (${esc(t.symbol)})</h3>` +
          `<div class="earned-chart" data-pool="${esc(p.poolId)}">` +
          lineChart(
            [
              { name: "earned (claimed + claimable)", cls: "funded", points: pts(p.points, "earned") },
              { name: "claimed", cls: "claimed", points: pts(p.points, "claimed") },
            ],
            t,
            { title: `earned in pool ${p.poolId}` },
          ) +
          `</div>`
        );
      }),
    );
    el.innerHTML =
      charts.join("") +
      `<p class="muted">What its contributors earned, summed over their slots: after each block of a pool that ` +
      `pays it, and now.</p>`;
  } catch (err) {
    el.innerHTML = `<p class="error">chart unavailable: ${esc(describeError(err, errors))}</p>`;
  }
}
