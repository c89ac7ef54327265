/**
 * Injected wallets: EIP-6963 discovery (every wallet announces itself), `window.ethereum` as the fallback for
 * wallets that predate it. Nothing here asks the wallet for anything until the user clicks Connect.
 */
export interface Eip1193 {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: any[]) => void): void;
}

export interface Announced {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: Eip1193;
}

const found = new Map<string, Announced>();
const listeners: (() => void)[] = [];

export function discover(onChange: () => void): void {
  listeners.push(onChange);
  window.addEventListener("eip6963:announceProvider", (event: Event) => {
    const detail = (event as CustomEvent<Announced>).detail;
    if (!detail?.info?.uuid || found.has(detail.info.uuid)) return;
    found.set(detail.info.uuid, detail);
    listeners.forEach((l) => l());
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
}

/** Announced wallets, else the legacy injected one. */
export function wallets(): Announced[] {
  const list = [...found.values()];
  const legacy = (window as unknown as { ethereum?: Eip1193 }).ethereum;
  if (list.length === 0 && legacy) {
    list.push({ info: { uuid: "legacy", name: "Browser wallet", icon: "", rdns: "" }, provider: legacy });
  }
  return list;
}
