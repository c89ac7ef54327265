/**
 * A drop zone for a file or a folder, with pickers for both. What the user gives is hashed by the lazily loaded
 * hashing chunk (app/src/hashing.ts: the CLI's rules), with progress; `onHashed` gets the result.
 */
import { esc } from "./core";
import type { BrowserHash, BrowserHashOptions, Dropped } from "./hashing";

export const hashing = () => import("./hashing");

export interface DropZone {
  /** Hash what was last given again (after the mode changed). */
  rehash(): Promise<void>;
}

export function dropZone(
  el: HTMLElement,
  options: () => BrowserHashOptions,
  onHashed: (result: BrowserHash, dropped: Dropped) => void | Promise<void>,
  onError: (err: unknown) => void,
): DropZone {
  const id = el.id || "drop";
  el.classList.add("dropzone");
  el.innerHTML =
    `<p>Drop a file or a folder here, or choose a <label class="pick">file<input type="file" id="${id}-file" hidden/></label>` +
    ` or a <label class="pick">folder<input type="file" id="${id}-folder" webkitdirectory hidden/></label>.</p>` +
    `<p class="muted small">Hashed here, in your browser, with the same rules as <code>kc hash</code>: nothing is uploaded. ` +
    `A folder chosen with the picker loses its empty subfolders (part of an IPFS digest); drop it to keep them.</p>` +
    `<p class="progress" id="${id}-progress"></p>`;
  const progress = el.querySelector<HTMLElement>(`#${id}-progress`)!;
  let last: Dropped | undefined;

  const run = async (get: () => Promise<Dropped>) => {
    try {
      progress.textContent = "reading…";
      const h = await hashing();
      const dropped = await get();
      last = dropped;
      progress.textContent = `hashing ${dropped.name}…`;
      let shown = 0;
      const result = await h.hashDropped(dropped, {
        ...options(),
        onProgress: (p) => {
          if (Date.now() - shown < 100) return;
          shown = Date.now();
          const pct = p.bytesTotal ? Math.floor((p.bytes / p.bytesTotal) * 100) : 100;
          progress.textContent = `hashing ${dropped.name}: ${pct}% (${p.files}/${p.filesTotal} files)`;
        },
      });
      progress.innerHTML = `hashed <b>${esc(result.name)}</b>: ${result.files} file(s), ${result.bytes} bytes`;
      el.dataset.digest = result.digest;
      await onHashed(result, dropped);
    } catch (err) {
      progress.textContent = "";
      onError(err);
    }
  };

  el.addEventListener("dragover", (e) => {
    e.preventDefault();
    el.classList.add("over");
  });
  el.addEventListener("dragleave", () => el.classList.remove("over"));
  el.addEventListener("drop", (e) => {
    e.preventDefault();
    el.classList.remove("over");
    const dt = e.dataTransfer;
    if (!dt) return;
    // The entries must be taken during the event; the data transfer is emptied after it.
    const entries = [...dt.items].filter((i) => i.kind === "file").map((i) => i.webkitGetAsEntry?.() ?? null);
    const files = [...dt.files];
    void run(async () => {
      const h = await hashing();
      if (entries.length > 1 || files.length > 1) throw new Error("drop one file or one folder");
      if (entries[0]) return h.entryOfSystemEntry(entries[0]);
      if (files[0]) return h.entryOfFile(files[0]);
      throw new Error("drop one file or one folder");
    });
  });
  for (const which of ["file", "folder"]) {
    const input = el.querySelector<HTMLInputElement>(`#${id}-${which}`)!;
    input.addEventListener("change", () => {
      const files = [...(input.files ?? [])];
      input.value = "";
      if (files.length === 0) return;
      void run(async () => (await hashing()).entryOfFileList(files));
    });
  }
  return {
    rehash: async () => {
      if (last) await run(async () => last!);
    },
  };
}
