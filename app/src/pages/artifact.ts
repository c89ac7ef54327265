/** The artifact page (record, contributors, pools, lineage graph) and the artifacts list. */
import { IKnowledgeRegistry__factory } from "../../../typechain-types/factories/contracts/interfaces/IKnowledgeRegistry__factory";
import { describeError } from "../../../src/decodeError";
import { $, api, errors, esc, short, state, status } from "../core";
import { dropZone, hashing } from "../dropzone";
import { lineageSvg, type LineageEdge, type LineageNode } from "../lineage";
import { artifactEarnings } from "./charts";

/** A digest as given, or the digest of a CID (the SDK's rules, loaded on demand). */
async function digestOf(ref: string): Promise<string> {
  return /^0x[0-9a-fA-F]{64}$/.test(ref) ? ref.toLowerCase() : (await hashing()).parseArtifactRef(ref);
}

const registered = (digest: string) =>
  IKnowledgeRegistry__factory.connect(state.config.registry, state.reader).exists(digest);

export async function artifactPage(main: HTMLElement, ref: string): Promise<void> {
  const digest = await digestOf(ref);
  if (!(await registered(digest))) {
    main.innerHTML =
      `<h1>Not registered</h1><p>No artifact is registered with digest <span class="mono" id="not-registered">${esc(digest)}</span>` +
      `${ref !== digest ? ` (from ${esc(ref)})` : ""}. <a href="#/register">Register it</a>.</p>`;
    return;
  }
  const [a, graph] = await Promise.all([
    api(`/kc/artifacts/${digest}`),
    api<{ root: string; nodes: LineageNode[]; edges: LineageEdge[] }>(`/kc/lineage/${digest}?depth=3`),
  ]);
  const r = a.artifact;
  const total = a.contributors.reduce((s: bigint, c: any) => s + BigInt(c.share), 0n);
  const list = (xs: string[]) =>
    xs.length ? xs.map((d) => `<a href="#/artifact/${d}" class="mono">${short(d)}</a>`).join(", ") : "none";
  main.innerHTML =
    `<h1>${esc(r.kindName)} <span class="mono">${short(r.digest)}</span>${r.retracted ? " (retracted)" : ""}</h1>` +
    `<table id="record"><tbody>` +
    `<tr><th>Digest</th><td class="mono">${esc(r.digest)}</td></tr>` +
    `<tr><th>Kind</th><td>${esc(r.kindName)}</td></tr><tr><th>Scheme</th><td>${esc(r.schemeName)}</td></tr>` +
    `<tr><th>URI</th><td class="mono">${esc(r.uri || "—")}</td></tr>` +
    `<tr><th>Owner</th><td class="mono">${esc(r.owner)}</td></tr>` +
    `<tr><th>Upstream</th><td>${r.upstreamBps / 100}% to its parents (minimum it asks of derivatives: ${r.minUpstreamBps / 100}%)</td></tr>` +
    `<tr><th>Registered</th><td>block ${r.blockNumber}, ${new Date(Number(r.timestamp) * 1000).toISOString()}</td></tr>` +
    (r.retracted ? `<tr><th>Retracted</th><td>${esc(r.retractReason ?? "")}</td></tr>` : "") +
    `<tr><th>Parents</th><td>${list(a.parents)}</td></tr><tr><th>Children</th><td>${list(a.children)}</td></tr>` +
    (r.previous ? `<tr><th>Previous version</th><td>${list([r.previous])}</td></tr>` : "") +
    (a.nextVersions.length ? `<tr><th>Next version</th><td>${list(a.nextVersions)}</td></tr>` : "") +
    `</tbody></table>` +
    `<h2>Contributors</h2><table id="contributors"><thead><tr><th>Slot</th><th>Account</th><th class="num">Share</th></tr></thead><tbody>` +
    a.contributors
      .map(
        (c: any) =>
          `<tr><td>${c.slot}</td><td class="mono"><a href="#/rewards/${c.account}">${esc(c.account)}</a></td>` +
          `<td class="num">${c.share} (${((Number(c.share) * 100) / Number(total)).toFixed(2)}%)</td></tr>`,
      )
      .join("") +
    `</tbody></table>` +
    `<h2>Pools</h2><p>${a.pools.length ? a.pools.map((m: any) => `<a href="#/pool/${m.poolId}">pool ${m.poolId}</a> (weight ${m.weight})`).join(", ") : "in no pool"}</p>` +
    `<h2>Lineage</h2><p class="muted">parents on the left, derivatives on the right; click a box to walk the graph</p>` +
    `<div id="lineage">${lineageSvg(graph.root, graph.nodes, graph.edges)}</div>`;
  await artifactEarnings(main, digest);
}

export async function artifactsPage(main: HTMLElement): Promise<void> {
  const { artifacts } = await api(`/kc/artifacts?limit=100`);
  main.innerHTML =
    `<h1>Artifacts</h1><form id="go"><input name="d" placeholder="0x… digest or CID (bafk…, bafy…, Qm…)"/> <button>Open</button></form>` +
    `<details id="find"><summary>Find by content: drop a file or folder</summary><div id="lookup-drop"></div></details>` +
    `<table><thead><tr><th>Digest</th><th>Kind</th><th>URI</th><th>Block</th></tr></thead><tbody>` +
    artifacts
      .map(
        (r: any) =>
          `<tr><td><a class="mono" href="#/artifact/${r.digest}">${short(r.digest)}</a></td>` +
          `<td>${["dataset", "model", "agent", "code", "prompt", "document", "other"][r.kind] ?? r.kind}</td>` +
          `<td class="mono">${esc(r.uri)}</td><td>${r.blockNumber}</td></tr>`,
      )
      .join("") +
    `</tbody></table>`;
  $("#go", main).addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = `#/artifact/${(new FormData(e.target as HTMLFormElement).get("d") as string).trim()}`;
  });
  dropZone(
    $("#lookup-drop", main),
    () => ({}),
    async (result, dropped) => {
      // Registered in IPFS mode (the default) or, for a folder, perhaps in manifest mode: try both, as kc verify does.
      let digest = result.digest;
      if (!(await registered(digest)) && result.kind === "folder") {
        const manifest = await (await hashing()).hashDropped(dropped, { mode: "manifest" });
        if (await registered(manifest.digest)) digest = manifest.digest;
      }
      location.hash = `#/artifact/${digest}`;
    },
    (err) => status(describeError(err, errors), "error"),
  );
}
