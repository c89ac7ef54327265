// The public API of the `knowledge-commons` package: ethers only, no Hardhat. Everything not exported
// here is free to change.

// Clients, one per contract
export { Registry, signerOf } from "./clients/registry";
export { Pools, type FundResult } from "./clients/pools";
export { Programs, type ProgramClaimMessage, type ProgramProof } from "./clients/programs";

// The one write path: plan → simulate every step → send → decode receipts by event name
export * from "./tx";

// ABIs (`as const`), deployments, errors
export * from "./abi";
export { DEPLOYMENTS, deploymentOf, type ChainDeployment } from "./deployments";
export { KcError } from "./errors";
export {
  type DecodedRevert,
  decodeRevertData,
  describeError,
  errorInterface,
  errorInterfaceFrom,
  findRevertData,
} from "./decodeError";

// Registration, claims, pools
export {
  type BatchOutcome,
  type RegisterOptions,
  type RegisterOutcome,
  type RegistrationInput,
  checkRegistration,
  parentsFor,
  registerArtifact,
  registerMany,
  registrationOf,
} from "./register";
export {
  type ClaimResult,
  type ClaimTarget,
  type PoolClaim,
  claimAcrossPools,
  claimTargets,
  planClaims,
  settle,
  settleList,
} from "./claims";
export {
  type PendingChange,
  type StreamInfo,
  announcedChanges,
  curationTrust,
  pendingChanges,
  planAdmitMany,
  poolStreams,
  streamEndHint,
} from "./pools";
export * from "./typedData";

// Reading history: the pools log reducer (the history index is below)
export {
  PoolsReducer,
  decodeLogs,
  type ReducerLog,
  type PoolView,
  type MemberView,
  type Earning,
} from "./poolsReducer";

// Content identity: hashing files and folders, CIDs
export { type HashResult, digestsOfPath, hashFile, hashFolder, hashPath } from "./hash";
export { cidToDigest, digestToCid, parseCid } from "./cid";
export { DigestScheme, SCHEME_NAMES, cidOf, ipfsUriOf } from "./content/scheme";

// Input parsing and formatting
export {
  type Contributor,
  KINDS,
  type KindName,
  formatAmount,
  kindName,
  parseAddress,
  parseAmount,
  parseBps,
  parseContributors,
  parseDigest,
  parseDuration,
  parseKind,
} from "./parse";
export { TOKEN_ABI, type PermitSupport, type TokenInfo, permitSupport, signPermit, tokenInfo } from "./token";

// Account-centric reads: the history index (cached, adaptive log ranges), earnings, overviews
export * from "./history";
export { FileHistoryStore } from "./history/fileStore";
export {
  IndexClient,
  type IndexClientOptions,
  type IndexEarnings,
  type IndexStatus,
  IndexUnavailable,
  historyFromIndex,
} from "./indexClient";
export {
  type ArtifactEarning,
  type Earnings,
  type EarningsOptions,
  type PoolEarning,
  type ProgramEarning,
  accountEarnings,
} from "./earnings";
export { type AccountArtifact, type PoolSummary, accountArtifacts, poolsOverview } from "./overview";

// Claims from several pools and programs in one transaction (Multicall3 `aggregate3`)
export {
  type ClaimAllRequest,
  type ClaimAllResult,
  type ProgramClaim,
  MULTICALL3_ADDRESS,
  claimAll,
  claimAllCalls,
  encodeClaimAll,
} from "./claimAll";

// Writes someone else sends: calldata and Safe Transaction Builder batches for a multisig to propose
export {
  type Call,
  type SafeBatch,
  type UnsentMode,
  TX_BUILDER_VERSION,
  encodeCall,
  renderUnsent,
  safeBatch,
  safeBatchChecksum,
  simulateAs,
} from "./calldata";

// Gasless requests: signed registrations and claims (EIP-712) that a relayer sends
export {
  type Relayed,
  type SignedRequest,
  callArguments,
  checkRequest,
  commitForRequest,
  parseSignedRequest,
  recoveredSigner,
  relay,
  signClaim,
  signRegistration,
  signRegistrationRequest,
} from "./signed";

// An artifact's upkeep: move a contributor slot, set the URI, retract, transfer
export {
  type Sent,
  approveArtifact,
  moveSlot,
  retract,
  setOperator,
  setURI,
  transferArtifact,
} from "./maintenance";

// Batch registration files (CSV or JSON Lines) for registerMany
export { type BatchRow, parseBatchText, readBatchFile } from "./batchFile";
