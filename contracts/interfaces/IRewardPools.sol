// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IKnowledgeRegistry} from "./IKnowledgeRegistry.sol";

/// @title Knowledge Commons reward pools
/// @notice One contract holds many pools. Each pool pays one ERC-20 token to the contributors of the artifacts its
/// curator admits, in proportion to their weights; `upstreamBps` of what an artifact earns flows on to its
/// parents. Anyone funds a pool at once or as a linear stream; contributors claim whenever they like.
/// @dev Accounting is O(1) in the size of a pool: a pool index of rewards per unit of weight (fixed point, SCALE),
/// a checkpoint per artifact, and a cumulative claimed amount per (pool, artifact, contributor slot). Upstream flow
/// moves one lineage step each time an artifact is settled (a claim on it, a weight change, or `settle`), so no call
/// recurses. Amounts marked "scaled" are token units times SCALE. Rebasing tokens are not supported: the pool
/// accounts for the balance it received, and a balance that changes by itself breaks that accounting.
interface IRewardPools {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Types
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice One (artifact, contributor slot) a claim collects from. Slots come from `IKnowledgeRegistry.slotOf`.
    struct ClaimTarget {
        bytes32 artifact;
        uint256 slot;
    }

    /// @notice A pool's state as wallets show it.
    struct PoolView {
        IERC20 token;
        address curator;
        address pendingCurator;
        uint256 totalWeight;
        uint256 index;
        uint256 lastUpdate;
        uint256 streamRemaining;
        uint256 streamEnd;
        uint256 streamRatePerSecond;
        uint256 carried;
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

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Events
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Pool `poolId` was created by `creator`, paying `token`, curated by `curator`.
    event PoolCreated(uint256 indexed poolId, IERC20 indexed token, address indexed curator, address creator);
    /// @notice The curator admitted `artifact` with `weight`.
    event ArtifactAdmitted(uint256 indexed poolId, bytes32 indexed artifact, uint256 weight);
    /// @notice The curator changed the weight of `artifact`.
    event WeightChanged(
        uint256 indexed poolId,
        bytes32 indexed artifact,
        uint256 oldWeight,
        uint256 newWeight
    );
    /// @notice The curator removed `artifact`; what it earned stays claimable.
    event ArtifactRemoved(uint256 indexed poolId, bytes32 indexed artifact, uint256 oldWeight);
    /// @notice `funder` sent `amount`; the pool received `received` (less for fee-on-transfer tokens).
    event PoolFunded(uint256 indexed poolId, address indexed funder, uint256 amount, uint256 received);
    /// @notice `funder` started or topped up the stream; `remaining` now streams linearly until `streamEnd`.
    event StreamFunded(
        uint256 indexed poolId,
        address indexed funder,
        uint256 amount,
        uint256 received,
        uint256 remaining,
        uint256 streamEnd
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
    /// @notice `scaledAmount` of `child`'s earnings flowed to its parent `parent`.
    event UpstreamFlowed(
        uint256 indexed poolId,
        bytes32 indexed child,
        bytes32 indexed parent,
        uint256 scaledAmount
    );
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
    /// @notice Amounts must be positive.
    error ZeroAmount();
    /// @notice A stream needs a positive duration.
    error ZeroDuration();
    /// @notice A stream may last at most MAX_STREAM_DURATION seconds.
    error DurationTooLong(uint256 duration);
    /// @notice Accepting `received` could push the pool index past its range once everything pending is
    /// distributed at total weight 1 (a pool pays at most about 2^128 token units per unit of weight in its life).
    error PoolCapacityExceeded(uint256 poolId, uint256 received);
    /// @notice A top-up of a running stream would end it at `requestedEnd`, before its current end.
    error StreamEndsEarlier(uint256 currentEnd, uint256 requestedEnd);
    /// @notice A top-up of `received` would slow the running stream down; at least `minimum` keeps its rate.
    error StreamTopUpTooSmall(uint256 received, uint256 minimum);
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

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Pools and curation
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Creates a pool paying `token`, curated by `curator`.
    /// @return poolId The new pool's id (ids start at 1).
    function createPool(IERC20 token, address curator) external returns (uint256 poolId);

    /// @notice Admits a registered, non-retracted artifact with a positive weight. Curator only.
    /// @dev Funds carried while the pool had no members go to the members at the next distribution, which any
    /// later call may trigger; admit a pool's first members together with `admitMany` to share them by weight.
    function admit(uint256 poolId, bytes32 artifact, uint32 weight) external;

    /// @notice Admits several artifacts after a single distribution, so they share what the pool carried.
    /// Curator only; all-or-nothing.
    function admitMany(uint256 poolId, bytes32[] calldata artifacts, uint32[] calldata weights) external;

    /// @notice Changes an admitted artifact's weight after settling what it earned so far. Curator only.
    function setWeight(uint256 poolId, bytes32 artifact, uint32 weight) external;

    /// @notice Removes an artifact after settling what it earned so far; that stays claimable. Curator only.
    function remove(uint256 poolId, bytes32 artifact) external;

    /// @notice Proposes `newCurator` (zero cancels); it takes over when it calls `acceptCurator`. Curator only.
    function proposeCurator(uint256 poolId, address newCurator) external;

    /// @notice Accepts curation of `poolId`. Proposed curator only.
    function acceptCurator(uint256 poolId) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Funding
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Distributes `amount` of the pool's token to its artifacts at once (needs an allowance).
    function fund(uint256 poolId, uint256 amount) external;

    /// @notice Streams `amount` linearly over `duration` seconds (at most MAX_STREAM_DURATION); an unfinished
    /// stream's remainder joins it and is released over the new duration. A top-up of a running stream by anyone but
    /// the curator may not end it sooner (`StreamEndsEarlier`) nor release it more slowly (`StreamTopUpTooSmall`
    /// names the least amount that keeps the current rate over the longer duration). `duration` counts from the
    /// block that includes the call, so a top-up sized to the exact minimum fails if it is included later: add a
    /// margin.
    function fundStream(uint256 poolId, uint256 amount, uint256 duration) external;

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
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Settlement and claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Settles artifacts, moving their upstream share one step up the lineage. Anyone may call.
    function settle(uint256 poolId, bytes32[] calldata artifacts) external;

    /// @notice Pays the caller what its slots of `targets` earned, in one transfer to `recipient`.
    /// @return amount Total sent.
    function claim(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient
    ) external returns (uint256 amount);

    /// @notice `claim` for `claimant`, who signed the EIP-712 `Claim` request; the caller pays gas.
    /// @return amount Total sent.
    function claimBySig(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient,
        address claimant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 amount);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Longest stream, in seconds (5 years).
    function MAX_STREAM_DURATION() external view returns (uint256);

    /// @notice Fixed-point scale of the pool index and of "scaled" amounts.
    function SCALE() external view returns (uint256);

    /// @notice The registry whose artifacts the pools pay.
    function registry() external view returns (IKnowledgeRegistry);

    /// @notice Number of pools created; pool ids run from 1 to this.
    function poolCount() external view returns (uint256);

    /// @notice State of `poolId`, with the stream accrued up to now.
    function pool(uint256 poolId) external view returns (PoolView memory);

    /// @notice Standing of `artifact` in `poolId` as last settled.
    function member(uint256 poolId, bytes32 artifact) external view returns (MemberView memory);

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
