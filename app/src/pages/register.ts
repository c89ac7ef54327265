/**
 * Register: drop a file or folder, hash it here with the CLI's rules, fill contributors, parents and upstream, and
 * register through the SDK (src/register.ts via src/clients/registry.ts): every check `kc register` makes, done
 * with views first; with commit-reveal on, commit, wait by the chain's clock (a countdown), reveal. Every
 * transaction is simulated before the wallet is asked.
 */
import { describeError } from "../../../src/decodeError";
import { Registry } from "../../../src/clients/registry";
import { KINDS, parseBps, parseContributors, parseKind } from "../../../src/parse";
import { $, errors, esc, indexReached, state, status } from "../core";
import { dropZone } from "../dropzone";
import { type BrowserHash, SCHEME_MEANING, SCHEME_NAMES, parseArtifactRef } from "../hashing";

export async function registerPage(main: HTMLElement): Promise<void> {
  const registry = new Registry(state.config.registry, state.reader);
  const minAge = await registry.minCommitAge();
  main.innerHTML =
    `<h1>Register an artifact</h1>` +
    `<div id="drop"></div>` +
    `<p><label>Hash mode <select id="mode"><option value="ipfs">ipfs: the CID an IPFS node gives (unixfs-v1-2025)</option>` +
    `<option value="manifest">manifest: the Knowledge Commons folder manifest</option></select></label> ` +
    `<label><input type="checkbox" id="default-excludes" checked/> leave out VCS and OS metadata (.git, .DS_Store, …)</label></p>` +
    `<table id="hashed" hidden><tbody></tbody></table>` +
    `<form id="register-form" class="fields">` +
    `<label>Kind <select name="kind">${KINDS.map((k) => `<option>${k}</option>`).join("")}</select></label>` +
    `<label>URI <input name="uri" placeholder="ipfs://…, ar://…, https://… (default: the content's ipfs:// URI)"/></label>` +
    `<fieldset><legend>Contributors (address and share: whole numbers relative to each other, or percentages adding up to 100%)</legend>` +
    `<table id="contributors-input"><tbody></tbody></table><button type="button" class="secondary" id="add-contributor">Add a contributor</button></fieldset>` +
    `<label>Parents <input name="parents" placeholder="digests or CIDs it builds on, comma-separated"/></label>` +
    `<label>Upstream <input name="upstream" value="0" placeholder="20% or 2000 (basis points)"/> of its rewards flow to the parents</label>` +
    `<label>Minimum upstream <input name="minUpstream" value="0"/> it asks of its own derivatives</label>` +
    `<p class="muted">${
      minAge === 0n
        ? "This registry registers directly (commit-reveal is off): one transaction."
        : `This registry uses commit-reveal: a commitment first, then the registration once the commitment is ${minAge} s old by the chain's clock (two transactions).`
    }</p>` +
    `<button id="register" disabled>Register</button></form>` +
    `<div id="wait" hidden><progress id="wait-bar" max="${minAge}" value="0"></progress> <span id="wait-text"></span></div>`;

  let hashed: BrowserHash | undefined;
  const form = $<HTMLFormElement>("#register-form", main);
  const button = $<HTMLButtonElement>("#register", main);
  const rows = $("#contributors-input tbody", main);
  const addRow = (account = "", share = "1") => {
    const tr = document.createElement("tr");
    tr.innerHTML =
      `<td><input class="contributor-account mono" placeholder="0x… address" value="${esc(account)}"/></td>` +
      `<td><input class="contributor-share" value="${esc(share)}" size="6"/></td>` +
      `<td><button type="button" class="secondary remove">Remove</button></td>`;
    tr.querySelector("button.remove")!.addEventListener("click", () => tr.remove());
    rows.append(tr);
  };
  addRow(state.account ?? "");
  $("#add-contributor", main).addEventListener("click", () => addRow());

  const enable = () => {
    button.disabled = !hashed || !state.signer;
    button.title = !state.signer
      ? "connect a wallet to register"
      : hashed
        ? ""
        : "drop a file or folder first";
  };
  const zone = dropZone(
    $("#drop", main),
    () => ({
      mode: $<HTMLSelectElement>("#mode", main).value as "ipfs" | "manifest",
      defaultExcludes: $<HTMLInputElement>("#default-excludes", main).checked,
    }),
    (result) => {
      hashed = result;
      showHash(result);
      status(`hashed ${result.name}: ${result.digest}`);
      enable();
    },
    (err) => status(describeError(err, errors), "error"),
  );
  $("#mode", main).addEventListener("change", () => void zone.rehash());
  $("#default-excludes", main).addEventListener("change", () => void zone.rehash());
  enable();

  function showHash(r: BrowserHash): void {
    const table = $<HTMLTableElement>("#hashed", main);
    const excluded = r.excluded ?? [];
    table.hidden = false;
    table.tBodies[0].innerHTML =
      `<tr><th>Digest</th><td class="mono" id="digest">${esc(r.digest)}</td></tr>` +
      `<tr><th>Scheme</th><td id="scheme">${esc(SCHEME_NAMES[r.scheme])}: ${esc(SCHEME_MEANING[r.scheme])} (${r.mode} mode)</td></tr>` +
      `<tr><th>CID</th><td class="mono" id="cid">${esc(r.cid ?? "none (a manifest digest has no IPFS form)")}</td></tr>` +
      `<tr><th>Content</th><td>${r.kind} ${esc(r.name)}: ${r.files} file(s), ${r.bytes} bytes</td></tr>` +
      (r.kind === "folder"
        ? `<tr><th>Excluded</th><td id="excluded">${excluded.length ? esc(excluded.join(", ")) : "nothing"}</td></tr>`
        : "");
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void submit();
  });

  async function submit(): Promise<void> {
    if (!hashed || !state.signer || !state.account) return;
    button.disabled = true;
    const waitBox = $("#wait", main);
    try {
      const data = new FormData(form);
      const field = (name: string) => String(data.get(name) ?? "").trim();
      // The CLI's parsers: the same rules and the same one-line messages.
      const pairs = [...rows.querySelectorAll("tr")].map(
        (tr) =>
          `${tr.querySelector<HTMLInputElement>(".contributor-account")!.value.trim()}:` +
          tr.querySelector<HTMLInputElement>(".contributor-share")!.value.trim(),
      );
      const contributors = parseContributors(pairs.join(","));
      const parents: string[] = [];
      for (const item of field("parents")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const digest = await parseArtifactRef(item, "parent");
        if (parents.includes(digest)) throw new Error(`parent listed twice: ${digest}`);
        parents.push(digest);
      }
      const input = {
        digest: hashed.digest,
        kind: parseKind(field("kind")),
        scheme: hashed.scheme,
        uri: field("uri") || hashed.uri || "",
        contributors,
        parents,
        upstreamBps: parseBps(field("upstream") || "0"),
        minUpstreamBps: parseBps(field("minUpstream") || "0"),
      };
      const writer = new Registry(state.config.registry, state.signer);
      const outcome = await writer.register(input, {
        // The SDK's progress lines; a page cannot be rerun with --secret, so that advice is left out.
        status: (line) => status(line.replace(/; if this run stops, rerun with --secret .*$/, "")),
        onWait: (left) => {
          waitBox.hidden = false;
          $<HTMLProgressElement>("#wait-bar", main).value = Math.max(0, Number(minAge) - left);
          $("#wait-text", main).textContent =
            left > 0
              ? `revealing in ${left} s by the chain's clock (the commitment must be ${minAge} s old)…`
              : "the commitment is old enough; revealing…";
        },
      });
      waitBox.hidden = true;
      status(
        `registered ${input.digest} in block ${outcome.blockNumber} (tx ${outcome.txHash}); waiting for the index to see it…`,
      );
      await indexReached(outcome.blockNumber);
      // The router clears the status line on navigation; say it once the artifact page is on its way.
      const navigated = new Promise((r) => window.addEventListener("hashchange", r, { once: true }));
      location.hash = `#/artifact/${input.digest}`;
      await navigated;
      status(`registered ${input.digest} in block ${outcome.blockNumber} (tx ${outcome.txHash})`, "ok");
    } catch (err) {
      waitBox.hidden = true;
      status(`not registered: ${describeError(err, errors)}`, "error");
      enable();
    }
  }
}
