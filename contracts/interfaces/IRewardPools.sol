// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IKnowledgeRegistry} from "./IKnowledgeRegistry.sol";

/// @title Knowledge Commons reward pools
/// @notice One contract holds many pools. Each pool pays one ERC-20 token to the contributors of the artifacts its
/// curator admits, in proportion to their weights; `upstreamBps` of what an artifact earns flows on to its
/// parents. Anyone funds a pool at once or with a stream of their own; contributors claim whenever they like.
///
/// What funders may rely on:
/// - Your stream keeps your schedule. Every `fundStream` is a stream of its own (funder, amount received, start,
///   end, cancelable). Nobody, the curator included, can make it release sooner or later. The pool releases the
///   sum of its running streams.
/// - Exact release. At any moment the pool has released Σ amount × elapsed / duration over its streams, rounded
///   down, less at most 1 token unit per 16 running streams (each stream's rate is rounded down to 2^-32 of a unit
///   per second); how often anyone pokes the pool changes nothing. At its end a stream has released exactly the
///   amount it received.
/// - Curation cannot capture committed money, if the pool has a curation delay: admissions, weight changes and
///   removals are announced and apply only after the delay, which is fixed at creation; a funder of a cancelable
///   stream can cancel at any time and gets back its unreleased remainder. Instant funds are distributed at once
///   to the members and weights of that moment. With delay 0 the curator is fully trusted: it can redirect the
///   unreleased part of every stream and all future funds to artifacts of its choosing, in one block.
/// - The curator never holds a path to the tokens: they leave only through claims and stream cancellations.
/// @dev Accounting is O(1) in the size of a pool: a pool index of rewards per unit of weight (fixed point, SCALE),
/// a checkpoint per artifact, and a cumulative claimed amount per (pool, artifact, contributor slot). Streams are
/// aggregated into one rate; their ends sit in a sorted list processed once each, at most MAX_ENDS_PER_ACCRUE per
/// call. Upstream flow moves one lineage step each time an artifact is settled (a claim on it, a weight change, or
/// `settle`, which can go several levels). Amounts marked "scaled" are token units times SCALE. Rebasing tokens
/// are not supported: the pool accounts for the balance it received, and a balance that changes by itself breaks
/// that accounting.
interface IRewardPools {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Types
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice One (artifact, contributor slot) a claim collects from. Slots come from `IKnowledgeRegistry.slotOf`.
    struct ClaimTarget {
        bytes32 artifact;
        uint256 slot;
    }

    /// @notice What a curation change does to one artifact.
    enum CurationAction {
        Admit,
        SetWeight,
        Remove
    }

    /// @notice One step of a curation change; `weight` is ignored for `Remove`.
    struct CurationOp {
        bytes32 artifact;
        uint32 weight;
        CurationAction action;
    }

    /// @notice A pool's state as wallets show it, accrued up to now.
    struct PoolView {
        IERC20 token;
        address curator;
        address pendingCurator;
        uint256 curationDelay;
        uint256 totalWeight;
        uint256 index;
        /// @dev Time the streams are released up to; while no stream runs or is due, the last stored accrual.
        uint256 lastUpdate;
        /// @dev Released per second by the running streams, in token units times RATE_SCALE.
        uint256 rate;
        /// @dev End of the earliest running stream (0 if none).
        uint256 nextStreamEnd;
        /// @dev Not yet released by the running streams.
        uint256 streaming;
        /// @dev Waiting for the next distribution: released while the pool had no members, and rounding leftovers.
        uint256 carried;
        uint256 changeCount;
    }

    /// @notice An artifact's standing in a pool.
    struct MemberView {
        uint256 weight;
        uint256 checkpoint;
        uint256 earnedScaled;
        uint256 pendingUpstreamScaled;
        uint16 upstreamBps;
        uint32 totalShares;
    }

    /// @notice One entry of a pool's sorted list of stream ends.
    struct StreamEndView {
        /// @dev Whether the entry is in the list (it stays, empty, after its streams are cancelled).
        bool linked;
        /// @dev The next later end (0 for the last).
        uint256 next;
        /// @dev Rate of the streams that end here.
        uint256 rateDrop;
        /// @dev What their rounded-down rates leave unreleased, in token units times RATE_SCALE, released here.
        uint256 dust;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Events
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Pool `poolId` was created by `creator`, paying `token`, curated by `curator` with `curationDelay`.
    event PoolCreated(
        uint256 indexed poolId,
        IERC20 indexed token,
        address indexed curator,
        address creator,
        uint256 curationDelay
    );
    /// @notice The curator announced change `changeId`, which anyone may execute from `executeAfter`.
    event CurationAnnounced(
        uint256 indexed poolId,
        uint256 indexed changeId,
        uint256 executeAfter,
        CurationOp[] ops
    );
    /// @notice Change `changeId` was applied (the `ArtifactAdmitted`/`WeightChanged`/`ArtifactRemoved` events
    /// before it say what it did).
    event CurationExecuted(uint256 indexed poolId, uint256 indexed changeId, address executor);
    /// @notice The curator withdrew change `changeId` before it was executed.
    event CurationCancelled(uint256 indexed poolId, uint256 indexed changeId);
    /// @notice `artifact` joined the pool with `weight`.
    event ArtifactAdmitted(uint256 indexed poolId, bytes32 indexed artifact, uint256 weight);
    /// @notice The weight of `artifact` changed.
    event WeightChanged(
        uint256 indexed poolId,
        bytes32 indexed artifact,
        uint256 oldWeight,
        uint256 newWeight
    );
    /// @notice `artifact` left the pool; what it earned stays claimable.
    event ArtifactRemoved(uint256 indexed poolId, bytes32 indexed artifact, uint256 oldWeight);
    /// @notice `funder` sent `amount`; the pool received `received` (less for fee-on-transfer tokens) and
    /// distributed it at once (or carried it, if the pool has no members).
    event PoolFunded(uint256 indexed poolId, address indexed funder, uint256 amount, uint256 received);
    /// @notice `funder` started stream `streamId`: `received` released linearly from `start` to `end`.
    /// @dev Two streams of one funder with the same schedule and cancelability share an id and add up.
    event StreamCreated(
        uint256 indexed poolId,
        bytes32 indexed streamId,
        address indexed funder,
        uint256 amount,
        uint256 received,
        uint256 start,
        uint256 end,
        bool cancelable
    );
    /// @notice `funder` cancelled stream `streamId`: `released` stayed with the members, `refunded` went back.
    event StreamCancelled(
        uint256 indexed poolId,
        bytes32 indexed streamId,
        address indexed funder,
        uint256 released,
        uint256 refunded
    );
    /// @notice The pool released its streams up to `lastUpdate` and distributed: the index is now `index`,
    /// `carried` waits for the next distribution. Not emitted while no stream runs or is due: such an accrual has
    /// nothing to release and stores nothing.
    event PoolAccrued(uint256 indexed poolId, uint256 index, uint256 lastUpdate, uint256 carried);
    /// @notice `artifact` was settled at pool index `index`: `keptScaled` more for its contributors, and
    /// `outflowScaled` passed on to its parents.
    event ArtifactSettled(
        uint256 indexed poolId,
        bytes32 indexed artifact,
        uint256 index,
        uint256 keptScaled,
        uint256 outflowScaled
    );
    /// @notice `scaledAmount` of `child`'s earnings flowed to its parent `parent`.
    event UpstreamFlowed(
        uint256 indexed poolId,
        bytes32 indexed child,
        bytes32 indexed parent,
        uint256 scaledAmount
    );
    /// @notice `parent` is retracted, so its part `scaledAmount` of `child`'s outflow stayed with `child`.
    event UpstreamWithheld(
        uint256 indexed poolId,
        bytes32 indexed child,
        bytes32 indexed parent,
        uint256 scaledAmount
    );
    /// @notice `account`, holder of `slot` of `artifact`, claimed `amount`, sent to `recipient`.
    event RewardsClaimed(
        uint256 indexed poolId,
        bytes32 indexed artifact,
        address indexed account,
        uint256 slot,
        address recipient,
        uint256 amount
    );
    /// @notice `account` set its signature nonce to `newNonce`; its signed claims with lower nonces are void.
    event NoncesInvalidated(address indexed account, uint256 newNonce);
    /// @notice The curator proposed `proposed` as the next curator (zero cancels).
    event CuratorProposed(uint256 indexed poolId, address indexed curator, address indexed proposed);
    /// @notice Curation passed from `previous` to `curator`.
    event CuratorTransferred(uint256 indexed poolId, address indexed previous, address indexed curator);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Errors
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice No pool has this id.
    error UnknownPool(uint256 poolId);
    /// @notice The token address has no code.
    error InvalidToken(address token);
    /// @notice The curator cannot be the zero address.
    error InvalidCurator(address curator);
    /// @notice The curation delay is above MAX_CURATION_DELAY.
    error CurationDelayTooLong(uint256 delay);
    /// @notice `caller` is not the curator of `poolId`.
    error NotCurator(uint256 poolId, address caller);
    /// @notice `caller` is not the proposed curator of `poolId`.
    error NotPendingCurator(uint256 poolId, address caller);
    /// @notice `artifact` is not registered.
    error ArtifactNotRegistered(bytes32 artifact);
    /// @notice `artifact` was retracted by its owner and cannot be admitted.
    error ArtifactIsRetracted(bytes32 artifact);
    /// @notice `artifact` is already admitted to `poolId`.
    error AlreadyMember(uint256 poolId, bytes32 artifact);
    /// @notice `artifact` is not admitted to `poolId`.
    error NotMember(uint256 poolId, bytes32 artifact);
    /// @notice Weights must be positive.
    error ZeroWeight();
    /// @notice A curation change needs at least one step.
    error EmptyChange();
    /// @notice No pending change `changeId` in `poolId`.
    error UnknownChange(uint256 poolId, uint256 changeId);
    /// @notice Change `changeId` can be executed from `executeAfter`.
    error ChangeNotDue(uint256 changeId, uint256 executeAfter);
    /// @notice Change `changeId` could be executed until `expiredAt` and lapsed; the curator may announce it anew.
    error ChangeExpired(uint256 changeId, uint256 expiredAt);
    /// @notice Amounts must be positive.
    error ZeroAmount();
    /// @notice A stream needs a positive duration.
    error ZeroDuration();
    /// @notice A stream may last at most MAX_STREAM_DURATION seconds.
    error DurationTooLong(uint256 duration);
    /// @notice Accepting `received` could push the pool index past its range once everything pending is
    /// distributed at total weight 1 (a pool pays at most about 2^128 token units per unit of weight in its life).
    error PoolCapacityExceeded(uint256 poolId, uint256 received);
    /// @notice More stream ends are due than one call processes; `accrue` (repeatedly) catches the pool up to now,
    /// which streams and curation need before they change the pool's rate or weights.
    error AccrualBehind(uint256 poolId, uint256 lastUpdate);
    /// @notice The caller funds no cancelable stream `streamId` in `poolId`.
    error UnknownStream(uint256 poolId, bytes32 streamId);
    /// @notice Stream `streamId` already ended at `end`.
    error StreamEnded(bytes32 streamId, uint256 end);
    /// @notice `levels` is not between 1 and MAX_SETTLE_LEVELS.
    error InvalidLevels(uint256 levels);
    /// @notice Two arrays that go together have different lengths.
    error LengthMismatch(uint256 artifacts, uint256 weights);
    /// @notice The token transfer delivered nothing to the pool.
    error NothingReceived(uint256 poolId);
    /// @notice `account` has nothing to claim from the given targets.
    error NothingToClaim(uint256 poolId, address account);
    /// @notice `account` does not hold `slot` of `artifact`.
    error NotContributor(bytes32 artifact, uint256 slot, address account);
    /// @notice Rewards cannot be sent to the zero address.
    error InvalidRecipient();
    /// @notice The signed request expired at `deadline`.
    error SignatureExpired(uint256 deadline);
    /// @notice The signature does not belong to `signer` for this request.
    error InvalidSignature(address signer);
    /// @notice `account`'s nonce is `current`; a signed request must carry it.
    error InvalidNonce(address account, uint256 current);
    /// @notice `invalidateNonces` must raise the nonce: it is `current`.
    error NonceNotIncreased(uint256 current, uint256 requested);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Pools and curation
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Creates a pool paying `token`, curated by `curator`.
    /// @param curationDelay Seconds between the announcement of a curation change and the earliest moment it can
    /// apply (0 to MAX_CURATION_DELAY), fixed forever. With 0, curation applies at once and the curator is fully
    /// trusted with the unreleased part of every stream.
    /// @return poolId The new pool's id (ids start at 1).
    function createPool(
        IERC20 token,
        address curator,
        uint256 curationDelay
    ) external returns (uint256 poolId);

    /// @notice Admits a registered, non-retracted artifact with a positive weight. Curator only.
    /// @dev With a curation delay this announces the change (see `executeChange`). When the pool had no members,
    /// what it carried is shared by the members right after the change applies; admit a pool's first members
    /// together with `admitMany` to share it by weight.
    function admit(uint256 poolId, bytes32 artifact, uint32 weight) external;

    /// @notice Admits several artifacts in one change, so they share what the pool carried. Curator only;
    /// all-or-nothing.
    function admitMany(uint256 poolId, bytes32[] calldata artifacts, uint32[] calldata weights) external;

    /// @notice Changes an admitted artifact's weight after settling what it earned so far. Curator only.
    function setWeight(uint256 poolId, bytes32 artifact, uint32 weight) external;

    /// @notice Removes an artifact after settling what it earned so far; that stays claimable. Curator only.
    function remove(uint256 poolId, bytes32 artifact) external;

    /// @notice Applies announced change `changeId` once its delay has passed, within CHANGE_WINDOW after that (a
    /// change nobody executes in time lapses, so no announcement lingers to apply at any later moment). Anyone may
    /// call; all-or-nothing (a step that no longer fits, e.g. admitting an artifact retracted meanwhile, reverts
    /// the whole change, which the curator may then cancel).
    function executeChange(uint256 poolId, uint256 changeId) external;

    /// @notice Withdraws announced change `changeId`. Curator only.
    function cancelChange(uint256 poolId, uint256 changeId) external;

    /// @notice Proposes `newCurator` (zero cancels); it takes over when it calls `acceptCurator`. Curator only.
    function proposeCurator(uint256 poolId, address newCurator) external;

    /// @notice Accepts curation of `poolId`. Proposed curator only.
    function acceptCurator(uint256 poolId) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Funding
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Distributes `amount` of the pool's token to its members at once, by their current weights (needs an
    /// allowance). Into a pool with no members it is carried until the next admission.
    function fund(uint256 poolId, uint256 amount) external;

    /// @notice Starts a stream of the caller's own: what the pool receives of `amount` is released linearly from now
    /// to now + `duration` (at most MAX_STREAM_DURATION). Nobody can change that schedule; if `cancelable`, the
    /// caller may stop it later with `cancelStream` and take back the unreleased remainder.
    /// @param hint A stream end already in the pool's list at or before the new end, to insert without a search;
    /// 0 searches from the earliest (fine when the new stream ends after every other one).
    /// @return streamId `streamIdOf(caller, now, now + duration, cancelable)`.
    function fundStream(
        uint256 poolId,
        uint256 amount,
        uint256 duration,
        bool cancelable,
        uint256 hint
    ) external returns (bytes32 streamId);

    /// @notice `fund` with an ERC-2612 permit in the same transaction.
    function fundWithPermit(
        uint256 poolId,
        uint256 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice `fundStream` with an ERC-2612 permit in the same transaction.
    function fundStreamWithPermit(
        uint256 poolId,
        uint256 amount,
        uint256 duration,
        bool cancelable,
        uint256 hint,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 streamId);

    /// @notice Stops the caller's cancelable stream that runs from `start` to `end` and pays back what it has not
    /// released: its amount less `ceil(amount × elapsed / duration)` (to 2^-32 of a unit), which stays with the
    /// members.
    /// @return refunded What the caller got back.
    function cancelStream(uint256 poolId, uint256 start, uint256 end) external returns (uint256 refunded);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Settlement and claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Releases the pool's streams up to now (processing at most MAX_ENDS_PER_ACCRUE stream ends) and
    /// distributes them. Anyone may call; needed only when more stream ends are due than one call processes.
    function accrue(uint256 poolId) external;

    /// @notice Settles artifacts and passes their upstream part up to `levels` lineage steps (1 to
    /// MAX_SETTLE_LEVELS): step 1 moves each listed artifact's outflow to its parents, each further step passes on
    /// what the parents reached in the step before now owe their own parents. Anyone may call; gas grows with the
    /// number of ancestors reached.
    function settle(uint256 poolId, bytes32[] calldata artifacts, uint256 levels) external;

    /// @notice Pays the caller what its slots of `targets` earned, in one transfer to `recipient`.
    /// @return amount Total sent.
    function claim(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient
    ) external returns (uint256 amount);

    /// @notice Pays `account` what its slots of `targets` earned, in one transfer to `account` itself. Anyone may
    /// call (a batcher or a keeper); only the holder chooses another recipient.
    /// @return amount Total sent.
    function claimFor(
        uint256 poolId,
        address account,
        ClaimTarget[] calldata targets
    ) external returns (uint256 amount);

    /// @notice `claim` for `claimant`, who signed the EIP-712 `Claim` request; the caller pays gas. Pays at most
    /// `maxAmount` (targets in order), so a signature is never a standing order for future accruals; `claimant`
    /// voids its unused signatures with `invalidateNonces`.
    /// @return amount Total sent.
    function claimBySig(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient,
        address claimant,
        uint256 maxAmount,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 amount);

    /// @notice Raises the caller's nonce to `newNonce`, voiding every signed claim it made with a lower one.
    function invalidateNonces(uint256 newNonce) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Longest stream, in seconds (5 years).
    function MAX_STREAM_DURATION() external view returns (uint256);

    /// @notice Longest curation delay, in seconds (30 days).
    function MAX_CURATION_DELAY() external view returns (uint256);

    /// @notice How long an announced change stays executable once due, in seconds (7 days).
    function CHANGE_WINDOW() external view returns (uint256);

    /// @notice Most stream ends one call processes.
    function MAX_ENDS_PER_ACCRUE() external view returns (uint256);

    /// @notice Most lineage levels one `settle` call passes flow up.
    function MAX_SETTLE_LEVELS() external view returns (uint256);

    /// @notice Fixed-point scale of the pool index and of "scaled" amounts.
    function SCALE() external view returns (uint256);

    /// @notice Fixed-point scale of stream rates.
    function RATE_SCALE() external view returns (uint256);

    /// @notice The registry whose artifacts the pools pay.
    function registry() external view returns (IKnowledgeRegistry);

    /// @notice Number of pools created; pool ids run from 1 to this.
    function poolCount() external view returns (uint256);

    /// @notice State of `poolId`, with the streams accrued up to now (as far as one call would).
    function pool(uint256 poolId) external view returns (PoolView memory);

    /// @notice Standing of `artifact` in `poolId` as last settled.
    function member(uint256 poolId, bytes32 artifact) external view returns (MemberView memory);

    /// @notice Announced change `changeId` of `poolId` (executeAfter 0 if none is pending under that id).
    function pendingChange(
        uint256 poolId,
        uint256 changeId
    ) external view returns (uint256 executeAfter, CurationOp[] memory ops);

    /// @notice The id of the stream `funder` started at `start`, ending at `end`.
    function streamIdOf(
        address funder,
        uint256 start,
        uint256 end,
        bool cancelable
    ) external pure returns (bytes32);

    /// @notice Amount received for cancelable stream `streamId` of `poolId` (0 if there is none or it was cancelled;
    /// the record stays after the stream's end, when `cancelStream` refuses it with `StreamEnded`).
    function cancelableAmount(uint256 poolId, bytes32 streamId) external view returns (uint256);

    /// @notice The entry for stream end `end` in `poolId`'s list.
    function streamEnd(uint256 poolId, uint256 end) external view returns (StreamEndView memory);

    /// @notice Amount slot `slot` of `artifact` has claimed from `poolId` so far.
    function claimed(uint256 poolId, bytes32 artifact, uint256 slot) external view returns (uint256);

    /// @notice What slot `slot` of `artifact` can claim from `poolId` now.
    function claimableBySlot(uint256 poolId, bytes32 artifact, uint256 slot) external view returns (uint256);

    /// @notice What `account` can claim from `artifact` in `poolId` now (0 if it holds no slot).
    function claimable(uint256 poolId, bytes32 artifact, address account) external view returns (uint256);

    /// @notice What `account` can claim from all of `artifacts` in `poolId` now. List each artifact once: the view
    /// adds duplicates up, while a claim pays each (artifact, slot) once.
    function claimableMany(
        uint256 poolId,
        bytes32[] calldata artifacts,
        address account
    ) external view returns (uint256 total);

    /// @notice Current nonce of `claimant` for `claimBySig`.
    function nonces(address claimant) external view returns (uint256);
}
