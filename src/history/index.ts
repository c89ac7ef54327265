export { AdaptiveRange, type LogSource, type RangeOptions, getLogsAdaptive, isRangeRefusal } from "./logs";
export type { ArtifactState, HistoryState, PoolState, StreamState } from "./state";
export { applyEvent, emptyState } from "./state";
export { type HistoryStore, MemoryHistoryStore } from "./store";
export {
  type History,
  type IndexedContract,
  type SyncOptions,
  type SyncStats,
  historyKey,
  syncHistory,
} from "./sync";
export { type ArtifactRecord, HistoryView, type PoolRecord, type RegistryIndex } from "./view";
