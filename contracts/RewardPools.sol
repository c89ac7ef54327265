// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IKnowledgeRegistry} from "./interfaces/IKnowledgeRegistry.sol";
import {IRewardPools} from "./interfaces/IRewardPools.sol";
import {PoolMath} from "./libraries/PoolMath.sol";
import {Signatures} from "./libraries/Signatures.sol";

/// @title RewardPools
/// @notice Community reward pools over the artifacts of a KnowledgeRegistry.
/// @dev Streams: each stream adds its rate to the pool's rate and its end to a sorted list; an accrual releases
/// `rate × elapsed` (kept in units of 2^-32 token, so nothing is lost between pokes) and, at each end it passes,
/// drops that end's rate and releases what the rounded-down rates left behind, so each stream pays exactly its
/// amount. Claims without a due stream end read the index "virtually" (accrued to now, not stored); any later
/// stored index is at least that, so payouts stay monotone and backed. The reentrancy guard sits on every function
/// that moves tokens; curation, `accrue` and `settle` move none and call only the registry.
contract RewardPools is IRewardPools, EIP712, Multicall, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 private constant CLAIM_TARGET_TYPEHASH = keccak256("ClaimTarget(bytes32 artifact,uint256 slot)");
    bytes32 private constant CLAIM_TYPEHASH = keccak256(
        "Claim(uint256 poolId,ClaimTarget[] targets,address recipient,address claimant,uint256 maxAmount,"
        "uint256 nonce,uint256 deadline)ClaimTarget(bytes32 artifact,uint256 slot)"
    );

    /// @inheritdoc IRewardPools
    uint256 public constant SCALE = PoolMath.SCALE;
    /// @inheritdoc IRewardPools
    uint256 public constant RATE_SCALE = PoolMath.RATE_SCALE;
    /// @inheritdoc IRewardPools
    uint256 public constant MAX_STREAM_DURATION = 5 * 365 days;
    /// @inheritdoc IRewardPools
    uint256 public constant MAX_CURATION_DELAY = 30 days;
    /// @inheritdoc IRewardPools
    uint256 public constant CHANGE_WINDOW = 7 days;
    /// @inheritdoc IRewardPools
    uint256 public constant MAX_ENDS_PER_ACCRUE = 32;
    /// @inheritdoc IRewardPools
    uint256 public constant MAX_SETTLE_LEVELS = 8;

    uint8 private constant FLAG_HAS_EARNED = 1;
    /// @dev `IKnowledgeRegistry.MAX_PARENTS`.
    uint256 private constant MAX_PARENTS = 16;

    /// @inheritdoc IRewardPools
    IKnowledgeRegistry public immutable registry;

    /// @inheritdoc IRewardPools
    uint256 public poolCount;

    /// @inheritdoc IRewardPools
    mapping(address claimant => uint256 nonce) public nonces;

    /// @dev Field order is slot order: slots 0-2 are what claims read, slot 3 what funding reads.
    struct Pool {
        IERC20 token;
        uint96 totalWeight;
        uint168 index;
        uint40 lastUpdate;
        uint40 nextEnd;
        uint160 rate;
        /// @dev Released but not yet whole: a fraction of a token unit, times RATE_SCALE.
        uint32 rateDust;
        uint40 lastEnd;
        uint128 carried;
        uint128 streaming;
        address curator;
        uint32 curationDelay;
        uint64 changeCount;
        address pendingCurator;
    }

    /// @dev One slot. `totalShares` and `upstreamBps` are immutable registry facts cached when the pool first
    /// meets the artifact (0 shares = never met), so claims need no second registry read. `flags` records whether
    /// `_earned` holds anything, which spares most claims a cold read.
    struct Member {
        uint168 checkpoint;
        uint8 flags;
        uint32 weight;
        uint16 upstreamBps;
        uint32 totalShares;
    }

    /// @dev One slot per distinct end time; `dust` < duration ≤ 2^28 per stream, so 48 bits hold 2^20 streams.
    struct StreamEnd {
        bool linked;
        uint40 next;
        uint160 rateDrop;
        uint48 dust;
    }

    struct Change {
        uint40 executeAfter;
        CurationOp[] ops;
    }

    /// @dev A pool accrued in memory: `_accrual` computes it, `_accrue` stores it.
    struct Accrual {
        uint256 index;
        uint256 lastUpdate;
        uint256 nextEnd;
        uint256 rate;
        uint256 rateDust;
        uint256 carried;
        uint256 streaming;
        uint256 endsProcessed;
        bool caughtUp;
        /// @dev No stream runs or is due: nothing to release, so nothing is stored (what the pool carries waits for
        /// the next fund or curation change, which distribute it themselves).
        bool idle;
    }

    mapping(uint256 poolId => Pool pool) private _pools;
    mapping(uint256 poolId => mapping(bytes32 artifact => Member member)) private _members;
    /// @dev Scaled cumulative earnings of an artifact's contributors (after its upstream part).
    mapping(uint256 poolId => mapping(bytes32 artifact => uint256 scaled)) private _earned;
    /// @dev Scaled inflow from children still to be passed on to this artifact's parents.
    mapping(uint256 poolId => mapping(bytes32 artifact => uint256 scaled)) private _pendingUpstream;
    mapping(uint256 poolId => mapping(bytes32 artifact => mapping(uint256 slot => uint256 amount)))
        private _claimed;
    mapping(uint256 poolId => mapping(uint256 end => StreamEnd entry)) private _ends;
    /// @dev Only cancelable streams are stored: the rest need nothing but their end's entry.
    mapping(uint256 poolId => mapping(bytes32 streamId => uint256 amount)) private _cancelable;
    mapping(uint256 poolId => mapping(uint256 changeId => Change change)) private _changes;

    /// @param registry_ The registry whose artifacts these pools pay.
    constructor(IKnowledgeRegistry registry_) EIP712("RewardPools", "1") {
        registry = registry_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Pools and curation
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function createPool(
        IERC20 token,
        address curator,
        uint256 curationDelay
    ) external returns (uint256 poolId) {
        if (address(token).code.length == 0) revert InvalidToken(address(token));
        if (curator == address(0)) revert InvalidCurator(curator);
        if (curationDelay > MAX_CURATION_DELAY) revert CurationDelayTooLong(curationDelay);
        poolId = ++poolCount;
        Pool storage pool_ = _pools[poolId];
        pool_.token = token;
        pool_.lastUpdate = uint40(block.timestamp);
        pool_.curator = curator;
        pool_.curationDelay = uint32(curationDelay);
        emit PoolCreated(poolId, token, curator, msg.sender, curationDelay);
    }

    /// @inheritdoc IRewardPools
    function admit(uint256 poolId, bytes32 artifact, uint32 weight) external {
        _curate(poolId, _oneOp(CurationAction.Admit, artifact, weight));
    }

    /// @inheritdoc IRewardPools
    function admitMany(uint256 poolId, bytes32[] calldata artifacts, uint32[] calldata weights) external {
        if (artifacts.length != weights.length) revert LengthMismatch(artifacts.length, weights.length);
        CurationOp[] memory ops = new CurationOp[](artifacts.length);
        for (uint256 i; i < artifacts.length; ++i) {
            ops[i] = CurationOp(artifacts[i], weights[i], CurationAction.Admit);
        }
        _curate(poolId, ops);
    }

    /// @inheritdoc IRewardPools
    function setWeight(uint256 poolId, bytes32 artifact, uint32 weight) external {
        _curate(poolId, _oneOp(CurationAction.SetWeight, artifact, weight));
    }

    /// @inheritdoc IRewardPools
    function remove(uint256 poolId, bytes32 artifact) external {
        _curate(poolId, _oneOp(CurationAction.Remove, artifact, 0));
    }

    /// @inheritdoc IRewardPools
    function executeChange(uint256 poolId, uint256 changeId) external {
        Pool storage pool_ = _requirePool(poolId);
        Change storage change = _changes[poolId][changeId];
        uint256 executeAfter = change.executeAfter;
        if (executeAfter == 0) revert UnknownChange(poolId, changeId);
        if (block.timestamp < executeAfter) revert ChangeNotDue(changeId, executeAfter);
        if (block.timestamp > executeAfter + CHANGE_WINDOW) {
            revert ChangeExpired(changeId, executeAfter + CHANGE_WINDOW);
        }
        CurationOp[] memory ops = change.ops;
        delete _changes[poolId][changeId];
        _apply(pool_, poolId, ops);
        emit CurationExecuted(poolId, changeId, msg.sender);
    }

    /// @inheritdoc IRewardPools
    function cancelChange(uint256 poolId, uint256 changeId) external {
        _requireCurator(poolId);
        if (_changes[poolId][changeId].executeAfter == 0) revert UnknownChange(poolId, changeId);
        delete _changes[poolId][changeId];
        emit CurationCancelled(poolId, changeId);
    }

    /// @inheritdoc IRewardPools
    function proposeCurator(uint256 poolId, address newCurator) external {
        Pool storage pool_ = _requireCurator(poolId);
        pool_.pendingCurator = newCurator;
        emit CuratorProposed(poolId, msg.sender, newCurator);
    }

    /// @inheritdoc IRewardPools
    function acceptCurator(uint256 poolId) external {
        Pool storage pool_ = _requirePool(poolId);
        if (msg.sender != pool_.pendingCurator) revert NotPendingCurator(poolId, msg.sender);
        address previous = pool_.curator;
        pool_.curator = msg.sender;
        pool_.pendingCurator = address(0);
        emit CuratorTransferred(poolId, previous, msg.sender);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Funding
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function fund(uint256 poolId, uint256 amount) external nonReentrant {
        _fund(poolId, amount);
    }

    /// @inheritdoc IRewardPools
    function fundStream(
        uint256 poolId,
        uint256 amount,
        uint256 duration,
        bool cancelable,
        uint256 hint
    ) external nonReentrant returns (bytes32) {
        return _fundStream(poolId, amount, duration, cancelable, hint);
    }

    /// @inheritdoc IRewardPools
    function fundWithPermit(
        uint256 poolId,
        uint256 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        _permit(poolId, amount, permitDeadline, v, r, s);
        _fund(poolId, amount);
    }

    /// @inheritdoc IRewardPools
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
    ) external nonReentrant returns (bytes32) {
        _permit(poolId, amount, permitDeadline, v, r, s);
        return _fundStream(poolId, amount, duration, cancelable, hint);
    }

    /// @inheritdoc IRewardPools
    function cancelStream(
        uint256 poolId,
        uint256 start,
        uint256 end
    ) external nonReentrant returns (uint256 refunded) {
        Pool storage pool_ = _requirePool(poolId);
        bytes32 streamId = streamIdOf(msg.sender, start, end, true);
        uint256 amount = _cancelable[poolId][streamId];
        if (amount == 0) revert UnknownStream(poolId, streamId);
        if (block.timestamp >= end) revert StreamEnded(streamId, end);
        _accrueFully(pool_, poolId);
        delete _cancelable[poolId][streamId];

        (uint256 rate, uint256 dust) = PoolMath.streamRate(amount, end - start);
        uint256 releasedScaled = rate * (block.timestamp - start);
        // Rounded up, so the members keep every fraction the stream has released and the refund is whole.
        uint256 released = Math.ceilDiv(releasedScaled, RATE_SCALE);
        refunded = amount - released;
        StreamEnd storage entry = _ends[poolId][end];
        entry.rateDrop -= uint160(rate);
        entry.dust -= uint48(dust);
        pool_.rate -= uint160(rate);
        // The rounding up makes the stream's release exactly `released` units; the fraction it adds is released now.
        uint256 scaled = pool_.rateDust + (released * RATE_SCALE - releasedScaled);
        uint256 whole = scaled / RATE_SCALE;
        pool_.rateDust = uint32(scaled % RATE_SCALE);
        pool_.streaming -= uint128(whole + refunded);
        // At most one unit: it waits for the next distribution.
        pool_.carried += uint128(whole);
        if (refunded != 0) pool_.token.safeTransfer(msg.sender, refunded);
        emit StreamCancelled(poolId, streamId, msg.sender, released, refunded);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Settlement and claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function accrue(uint256 poolId) external {
        _accrue(_requirePool(poolId), poolId);
    }

    /// @inheritdoc IRewardPools
    function settle(uint256 poolId, bytes32[] calldata artifacts, uint256 levels) external {
        if (levels == 0 || levels > MAX_SETTLE_LEVELS) revert InvalidLevels(levels);
        uint256 index = _accrue(_requirePool(poolId), poolId).index;
        bytes32[] memory frontier = artifacts;
        for (uint256 level; level < levels && frontier.length != 0; ++level) {
            // Parents that this level leaves owing their own parents: the next level's work.
            bytes32[] memory reached = new bytes32[](level + 1 < levels ? frontier.length * MAX_PARENTS : 0);
            uint256 count;
            for (uint256 i; i < frontier.length; ++i) {
                Member storage member_ = _members[poolId][frontier[i]];
                if (member_.totalShares != 0) {
                    count = _settle(poolId, frontier[i], member_, index, reached, count);
                }
            }
            assembly ("memory-safe") {
                mstore(reached, count)
            }
            frontier = reached;
        }
    }

    /// @inheritdoc IRewardPools
    function claim(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient
    ) external nonReentrant returns (uint256 amount) {
        return _claim(poolId, targets, msg.sender, recipient, type(uint256).max);
    }

    /// @inheritdoc IRewardPools
    function claimFor(
        uint256 poolId,
        address account,
        ClaimTarget[] calldata targets
    ) external nonReentrant returns (uint256 amount) {
        return _claim(poolId, targets, account, account, type(uint256).max);
    }

    /// @inheritdoc IRewardPools
    function claimBySig(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient,
        address claimant,
        uint256 maxAmount,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant returns (uint256 amount) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        uint256 current = nonces[claimant];
        if (nonce != current) revert InvalidNonce(claimant, current);
        nonces[claimant] = current + 1;
        bytes32 structHash = keccak256(
            abi.encode(
                CLAIM_TYPEHASH,
                poolId,
                _hashTargets(targets),
                recipient,
                claimant,
                maxAmount,
                nonce,
                deadline
            )
        );
        if (!Signatures.isValidNowCalldata(claimant, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(claimant);
        }
        return _claim(poolId, targets, claimant, recipient, maxAmount);
    }

    /// @inheritdoc IRewardPools
    function invalidateNonces(uint256 newNonce) external {
        uint256 current = nonces[msg.sender];
        if (newNonce <= current) revert NonceNotIncreased(current, newNonce);
        nonces[msg.sender] = newNonce;
        emit NoncesInvalidated(msg.sender, newNonce);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function pool(uint256 poolId) external view returns (PoolView memory view_) {
        Pool storage pool_ = _requirePool(poolId);
        Accrual memory a = _accrual(pool_, poolId);
        view_.token = pool_.token;
        view_.curator = pool_.curator;
        view_.pendingCurator = pool_.pendingCurator;
        view_.curationDelay = pool_.curationDelay;
        view_.totalWeight = pool_.totalWeight;
        view_.index = a.index;
        view_.lastUpdate = a.lastUpdate;
        view_.rate = a.rate;
        view_.nextStreamEnd = a.nextEnd;
        // An idle accrual loads neither: nothing it would do changes them.
        view_.streaming = a.idle ? pool_.streaming : a.streaming;
        view_.carried = a.idle ? pool_.carried : a.carried;
        view_.changeCount = pool_.changeCount;
    }

    /// @inheritdoc IRewardPools
    function member(uint256 poolId, bytes32 artifact) external view returns (MemberView memory) {
        Member memory member_ = _members[poolId][artifact];
        return
            MemberView({
                weight: member_.weight,
                checkpoint: member_.checkpoint,
                earnedScaled: _earned[poolId][artifact],
                pendingUpstreamScaled: _pendingUpstream[poolId][artifact],
                upstreamBps: member_.upstreamBps,
                totalShares: member_.totalShares
            });
    }

    /// @inheritdoc IRewardPools
    function pendingChange(
        uint256 poolId,
        uint256 changeId
    ) external view returns (uint256 executeAfter, CurationOp[] memory ops) {
        Change storage change = _changes[poolId][changeId];
        return (change.executeAfter, change.ops);
    }

    /// @inheritdoc IRewardPools
    function streamIdOf(
        address funder,
        uint256 start,
        uint256 end,
        bool cancelable
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(funder, start, end, cancelable));
    }

    /// @inheritdoc IRewardPools
    function cancelableAmount(uint256 poolId, bytes32 streamId) external view returns (uint256) {
        return _cancelable[poolId][streamId];
    }

    /// @inheritdoc IRewardPools
    function streamEnd(uint256 poolId, uint256 end) external view returns (StreamEndView memory) {
        StreamEnd memory entry = _ends[poolId][end];
        return StreamEndView(entry.linked, entry.next, entry.rateDrop, entry.dust);
    }

    /// @inheritdoc IRewardPools
    function claimed(uint256 poolId, bytes32 artifact, uint256 slot) external view returns (uint256) {
        return _claimed[poolId][artifact][slot];
    }

    /// @inheritdoc IRewardPools
    function claimableBySlot(uint256 poolId, bytes32 artifact, uint256 slot) public view returns (uint256) {
        uint256 index = _claimIndexView(_requirePool(poolId), poolId);
        (, uint32 share) = registry.slotHolder(artifact, slot);
        return _claimableView(poolId, artifact, slot, share, index);
    }

    /// @inheritdoc IRewardPools
    function claimable(uint256 poolId, bytes32 artifact, address account) public view returns (uint256) {
        uint256 index = _claimIndexView(_requirePool(poolId), poolId);
        return _claimableOf(poolId, artifact, account, index);
    }

    /// @inheritdoc IRewardPools
    function claimableMany(
        uint256 poolId,
        bytes32[] calldata artifacts,
        address account
    ) external view returns (uint256 total) {
        uint256 index = _claimIndexView(_requirePool(poolId), poolId);
        for (uint256 i; i < artifacts.length; ++i) {
            total += _claimableOf(poolId, artifacts[i], account, index);
        }
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals: curation
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    function _oneOp(
        CurationAction action,
        bytes32 artifact,
        uint32 weight
    ) private pure returns (CurationOp[] memory ops) {
        ops = new CurationOp[](1);
        ops[0] = CurationOp(artifact, weight, action);
    }

    /// @dev Applies at once without a delay; otherwise refuses what can never apply and announces the rest.
    function _curate(uint256 poolId, CurationOp[] memory ops) private {
        Pool storage pool_ = _requireCurator(poolId);
        if (ops.length == 0) revert EmptyChange();
        uint256 delay = pool_.curationDelay;
        if (delay == 0) {
            _apply(pool_, poolId, ops);
            return;
        }
        for (uint256 i; i < ops.length; ++i) {
            CurationOp memory op = ops[i];
            if (op.action != CurationAction.Remove && op.weight == 0) revert ZeroWeight();
            if (op.action == CurationAction.Admit) _checkAdmissible(op.artifact);
        }
        uint256 changeId = ++pool_.changeCount;
        uint256 executeAfter = block.timestamp + delay;
        Change storage change = _changes[poolId][changeId];
        change.executeAfter = uint40(executeAfter);
        for (uint256 i; i < ops.length; ++i) {
            change.ops.push(ops[i]);
        }
        emit CurationAnnounced(poolId, changeId, executeAfter, ops);
    }

    /// @dev One accrual at the old weights, then every step, then what the pool carried while it had no members
    /// goes to the members the change leaves.
    function _apply(Pool storage pool_, uint256 poolId, CurationOp[] memory ops) private {
        uint256 index = _accrueFully(pool_, poolId).index;
        uint256 totalWeight = pool_.totalWeight;
        for (uint256 i; i < ops.length; ++i) {
            CurationOp memory op = ops[i];
            Member storage member_ = _members[poolId][op.artifact];
            uint32 oldWeight = member_.weight;
            if (op.action == CurationAction.Admit) {
                if (op.weight == 0) revert ZeroWeight();
                if (oldWeight != 0) revert AlreadyMember(poolId, op.artifact);
                (uint16 upstreamBps, uint32 totalShares) = _checkAdmissible(op.artifact);
                // A returning artifact had weight 0 since it left, so it earned nothing meanwhile.
                _members[poolId][op.artifact] = Member({
                    checkpoint: uint168(index),
                    flags: member_.flags,
                    weight: op.weight,
                    upstreamBps: upstreamBps,
                    totalShares: totalShares
                });
                totalWeight += op.weight;
                emit ArtifactAdmitted(poolId, op.artifact, op.weight);
                continue;
            }
            if (oldWeight == 0) revert NotMember(poolId, op.artifact);
            uint32 newWeight = op.action == CurationAction.Remove ? 0 : op.weight;
            if (op.action == CurationAction.SetWeight && newWeight == 0) revert ZeroWeight();
            _settle(poolId, op.artifact, member_, index, new bytes32[](0), 0);
            member_.weight = newWeight;
            totalWeight = totalWeight - oldWeight + newWeight;
            if (newWeight == 0) emit ArtifactRemoved(poolId, op.artifact, oldWeight);
            else emit WeightChanged(poolId, op.artifact, oldWeight, newWeight);
        }
        pool_.totalWeight = totalWeight.toUint96();
        uint256 carried = pool_.carried;
        if (carried != 0 && totalWeight != 0) {
            (uint256 indexDelta, uint256 leftover) = PoolMath.distribute(carried, totalWeight);
            index += indexDelta;
            pool_.index = index.toUint168();
            pool_.carried = uint128(leftover);
            emit PoolAccrued(poolId, index, pool_.lastUpdate, leftover);
        }
    }

    function _checkAdmissible(
        bytes32 artifact
    ) private view returns (uint16 upstreamBps, uint32 totalShares) {
        bool registered;
        bool retracted;
        (registered, retracted, upstreamBps, totalShares) = registry.economics(artifact);
        if (!registered) revert ArtifactNotRegistered(artifact);
        if (retracted) revert ArtifactIsRetracted(artifact);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals: funding and streams
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Index increments add up while weights stay, so instant funds need no stream accrual.
    function _fund(uint256 poolId, uint256 amount) private {
        Pool storage pool_ = _requirePool(poolId);
        uint256 received = _pull(pool_, poolId, amount);
        uint256 carried = pool_.carried;
        uint256 index = pool_.index;
        _checkCapacity(poolId, index, uint256(pool_.streaming) + carried, received);
        (uint256 indexDelta, uint256 leftover) = PoolMath.distribute(received + carried, pool_.totalWeight);
        if (indexDelta != 0) pool_.index = uint168(index + indexDelta);
        pool_.carried = uint128(leftover);
        emit PoolFunded(poolId, msg.sender, amount, received);
    }

    function _fundStream(
        uint256 poolId,
        uint256 amount,
        uint256 duration,
        bool cancelable,
        uint256 hint
    ) private returns (bytes32 streamId) {
        Pool storage pool_ = _requirePool(poolId);
        if (duration == 0) revert ZeroDuration();
        if (duration > MAX_STREAM_DURATION) revert DurationTooLong(duration);
        uint256 received = _pull(pool_, poolId, amount);
        _accrueFully(pool_, poolId);
        uint256 streaming = pool_.streaming;
        _checkCapacity(poolId, pool_.index, streaming + pool_.carried, received);

        uint256 end = block.timestamp + duration;
        streamId = streamIdOf(msg.sender, block.timestamp, end, cancelable);
        (uint256 rate, uint256 dust) = PoolMath.streamRate(received, duration);
        uint256 dustBefore;
        if (cancelable) {
            // Same funder, schedule and block: one stream of the sum, so `cancelStream` recomputes it exactly.
            uint256 before = _cancelable[poolId][streamId];
            if (before != 0) {
                uint256 rateBefore;
                (rateBefore, dustBefore) = PoolMath.streamRate(before, duration);
                (rate, dust) = PoolMath.streamRate(before + received, duration);
                rate -= rateBefore;
            }
            _cancelable[poolId][streamId] = before + received;
        }
        StreamEnd storage entry = _linkEnd(pool_, poolId, end, hint);
        entry.rateDrop += uint160(rate);
        entry.dust = uint48(entry.dust - dustBefore + dust);
        pool_.rate += uint160(rate);
        pool_.streaming = uint128(streaming + received);
        // An idle pool's clock stood still; the new rate counts from now.
        pool_.lastUpdate = uint40(block.timestamp);
        emit StreamCreated(poolId, streamId, msg.sender, amount, received, block.timestamp, end, cancelable);
    }

    /// @dev The entry for `end`, linked into the sorted list if new. Appending after the last end and prepending
    /// are O(1); anything else walks from `hint` (or the first end), so callers pass the end just before theirs.
    function _linkEnd(
        Pool storage pool_,
        uint256 poolId,
        uint256 end,
        uint256 hint
    ) private returns (StreamEnd storage entry) {
        mapping(uint256 => StreamEnd) storage ends = _ends[poolId];
        entry = ends[end];
        if (entry.linked) return entry;
        entry.linked = true;
        uint256 first = pool_.nextEnd;
        uint256 last = pool_.lastEnd;
        if (first == 0) {
            pool_.nextEnd = uint40(end);
            pool_.lastEnd = uint40(end);
        } else if (end > last) {
            ends[last].next = uint40(end);
            pool_.lastEnd = uint40(end);
        } else if (end < first) {
            entry.next = uint40(first);
            pool_.nextEnd = uint40(end);
        } else {
            // first < end < last here, so the walk stops before the last entry.
            uint256 previous = hint > first && hint < end && ends[hint].linked ? hint : first;
            uint256 next = ends[previous].next;
            while (next < end) {
                previous = next;
                next = ends[next].next;
            }
            entry.next = uint40(next);
            ends[previous].next = uint40(end);
        }
    }

    /// @dev Credits what arrived, not what was asked for, so fee-on-transfer tokens cannot make a pool insolvent.
    function _pull(Pool storage pool_, uint256 poolId, uint256 amount) private returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        IERC20 token = pool_.token;
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        received = token.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert NothingReceived(poolId);
    }

    /// @dev A distribution of `x` raises the index by at most `x * SCALE` (total weight is at least 1) and takes
    /// `x` out of what is pending, so `index + pending * SCALE` never grows except here, where funds arrive.
    /// Keeping it within uint168 means no later release, claim or curation call can overflow the index, and keeps
    /// every stream rate within uint160.
    function _checkCapacity(uint256 poolId, uint256 index, uint256 pending, uint256 received) private pure {
        // By the invariant above, `pending` never exceeds `room`.
        uint256 room = (type(uint168).max - index) / SCALE;
        if (received > room - pending) revert PoolCapacityExceeded(poolId, received);
    }

    function _permit(
        uint256 poolId,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        // A front-runner may spend the permit first; the allowance it leaves still lets the transfer go through.
        try
            IERC20Permit(address(_requirePool(poolId).token)).permit(
                msg.sender,
                address(this),
                amount,
                deadline,
                v,
                r,
                s
            )
        {} catch {}
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals: accrual
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev The pool released up to now, passing at most MAX_ENDS_PER_ACCRUE stream ends, and distributed with what
    /// it carried. Past the cap it stops at the last end it passed (`caughtUp` false).
    function _accrual(Pool storage pool_, uint256 poolId) private view returns (Accrual memory a) {
        a.index = pool_.index;
        a.lastUpdate = pool_.lastUpdate;
        a.nextEnd = pool_.nextEnd;
        a.rate = pool_.rate;
        if (a.rate == 0 && a.nextEnd == 0) {
            a.caughtUp = true;
            a.idle = true;
            return a;
        }
        a.carried = pool_.carried;
        a.streaming = pool_.streaming;
        uint256 scaled = pool_.rateDust;
        while (a.nextEnd != 0 && a.nextEnd <= block.timestamp && a.endsProcessed < MAX_ENDS_PER_ACCRUE) {
            StreamEnd memory entry = _ends[poolId][a.nextEnd];
            scaled += a.rate * (a.nextEnd - a.lastUpdate) + entry.dust;
            a.rate -= entry.rateDrop;
            a.lastUpdate = a.nextEnd;
            a.nextEnd = entry.next;
            ++a.endsProcessed;
        }
        a.caughtUp = a.nextEnd == 0 || a.nextEnd > block.timestamp;
        if (a.caughtUp) {
            scaled += a.rate * (block.timestamp - a.lastUpdate);
            a.lastUpdate = block.timestamp;
        }
        uint256 released = scaled / RATE_SCALE;
        a.rateDust = scaled % RATE_SCALE;
        a.streaming -= released;
        (uint256 indexDelta, uint256 leftover) = PoolMath.distribute(released + a.carried, pool_.totalWeight);
        a.index += indexDelta;
        a.carried = leftover;
    }

    function _accrue(Pool storage pool_, uint256 poolId) private returns (Accrual memory a) {
        a = _accrual(pool_, poolId);
        if (a.idle) return a;
        mapping(uint256 => StreamEnd) storage ends = _ends[poolId];
        uint256 end = pool_.nextEnd;
        for (uint256 i; i < a.endsProcessed; ++i) {
            uint256 next = ends[end].next;
            delete ends[end];
            end = next;
        }
        pool_.index = a.index.toUint168();
        pool_.lastUpdate = uint40(a.lastUpdate);
        pool_.nextEnd = uint40(a.nextEnd);
        pool_.rate = uint160(a.rate);
        pool_.rateDust = uint32(a.rateDust);
        if (a.nextEnd == 0) pool_.lastEnd = 0;
        pool_.carried = uint128(a.carried);
        pool_.streaming = uint128(a.streaming);
        emit PoolAccrued(poolId, a.index, a.lastUpdate, a.carried);
    }

    /// @dev For what changes the rate or the weights: those must not reach back before now.
    function _accrueFully(Pool storage pool_, uint256 poolId) private returns (Accrual memory a) {
        a = _accrue(pool_, poolId);
        if (!a.caughtUp) revert AccrualBehind(poolId, a.lastUpdate);
    }

    /// @dev The index as if the streams had been released up to now, for claims when no stream end is due. What the
    /// pool carries is left for the next stored distribution, so this never exceeds any index stored later.
    /// @dev `index` as if the streams had been released from `lastUpdate` to now, for claims when no stream end is
    /// due. What the pool carries is left for the next stored distribution, so this never exceeds any index
    /// stored later.
    function _virtualIndex(
        Pool storage pool_,
        uint256 index,
        uint256 lastUpdate
    ) private view returns (uint256) {
        uint256 rate = pool_.rate;
        if (rate == 0) return index;
        uint256 totalWeight = pool_.totalWeight;
        if (totalWeight == 0) return index;
        uint256 released = (pool_.rateDust + rate * (block.timestamp - lastUpdate)) / RATE_SCALE;
        (uint256 indexDelta, ) = PoolMath.distribute(released, totalWeight);
        return index + indexDelta;
    }

    /// @dev A due stream end is processed (once, by whoever comes first), so no later call pays for it again.
    function _claimIndex(Pool storage pool_, uint256 poolId) private returns (uint256) {
        (uint256 index, uint256 lastUpdate, uint256 nextEnd) = (pool_.index, pool_.lastUpdate, pool_.nextEnd);
        if (nextEnd != 0 && nextEnd <= block.timestamp) return _accrue(pool_, poolId).index;
        return _virtualIndex(pool_, index, lastUpdate);
    }

    /// @dev What `_claimIndex` would return now.
    function _claimIndexView(Pool storage pool_, uint256 poolId) private view returns (uint256) {
        (uint256 index, uint256 lastUpdate, uint256 nextEnd) = (pool_.index, pool_.lastUpdate, pool_.nextEnd);
        if (nextEnd != 0 && nextEnd <= block.timestamp) return _accrual(pool_, poolId).index;
        return _virtualIndex(pool_, index, lastUpdate);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals: settlement and claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Books what `artifact` earned since its checkpoint and passes its outflow to its parents. Parents left
    /// owing their own parents are appended once to `reached` (unless it is empty) from position `count`.
    /// @return The new count of `reached`.
    function _settle(
        uint256 poolId,
        bytes32 artifact,
        Member storage member_,
        uint256 index,
        bytes32[] memory reached,
        uint256 count
    ) private returns (uint256) {
        uint256 direct = uint256(member_.weight) * (index - member_.checkpoint);
        member_.checkpoint = index.toUint168();
        (uint256 upstream, uint256 kept) = PoolMath.splitUpstream(direct, member_.upstreamBps);
        uint256 outflow = upstream + _pendingUpstream[poolId][artifact];
        if (outflow != 0) {
            _pendingUpstream[poolId][artifact] = 0;
            uint256 withheld;
            (withheld, count) = _flowUpstream(poolId, artifact, outflow, reached, count);
            kept += withheld;
            outflow -= withheld;
        }
        if (kept != 0) {
            _earned[poolId][artifact] += kept;
            member_.flags |= FLAG_HAS_EARNED;
        }
        // `kept` counts what retracted parents left with the artifact, so a settlement whose whole outflow was
        // withheld is logged too (direct != 0 implies kept + outflow != 0).
        if (kept != 0 || outflow != 0) emit ArtifactSettled(poolId, artifact, index, kept, outflow);
        return count;
    }

    /// @dev Equal parts to each parent, the division remainder to the first. A retracted parent's part stays with
    /// the child (`withheld`). One lineage step: a parent's own upstream part waits in its pending balance.
    function _flowUpstream(
        uint256 poolId,
        bytes32 child,
        uint256 outflow,
        bytes32[] memory reached,
        uint256 count
    ) private returns (uint256 withheld, uint256) {
        (bytes32[] memory parents, bool[] memory retracted) = registry.lineage(child);
        uint256 parentCount = parents.length;
        for (uint256 i; i < parentCount; ++i) {
            uint256 amount = PoolMath.parentPart(outflow, parentCount, i);
            if (amount == 0) continue;
            bytes32 parent = parents[i];
            if (retracted[i]) {
                withheld += amount;
                emit UpstreamWithheld(poolId, child, parent, amount);
                continue;
            }
            Member storage parentMember = _members[poolId][parent];
            uint256 upstreamBps = parentMember.upstreamBps;
            if (parentMember.totalShares == 0) {
                (, , uint16 bps, uint32 totalShares) = registry.economics(parent);
                parentMember.upstreamBps = bps;
                parentMember.totalShares = totalShares;
                upstreamBps = bps;
            }
            (uint256 upstream, uint256 kept) = PoolMath.splitUpstream(amount, upstreamBps);
            if (kept != 0) {
                _earned[poolId][parent] += kept;
                parentMember.flags |= FLAG_HAS_EARNED;
            }
            if (upstream != 0) {
                _pendingUpstream[poolId][parent] += upstream;
                if (reached.length != 0) count = _appendOnce(reached, count, parent);
            }
            emit UpstreamFlowed(poolId, child, parent, amount);
        }
        return (withheld, count);
    }

    /// @dev Appends `digest` unless it is among the first `count` entries; the array is sized for every parent.
    function _appendOnce(
        bytes32[] memory list,
        uint256 count,
        bytes32 digest
    ) private pure returns (uint256) {
        for (uint256 i; i < count; ++i) {
            if (list[i] == digest) return count;
        }
        list[count] = digest;
        return count + 1;
    }

    function _claim(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address claimant,
        address recipient,
        uint256 maxAmount
    ) private returns (uint256 total) {
        if (recipient == address(0)) revert InvalidRecipient();
        Pool storage pool_ = _pools[poolId];
        IERC20 token = pool_.token;
        if (address(token) == address(0)) revert UnknownPool(poolId);
        uint256 index = _claimIndex(pool_, poolId);
        for (uint256 i; i < targets.length && total < maxAmount; ++i) {
            total += _claimOne(poolId, targets[i], claimant, recipient, index, maxAmount - total);
        }
        if (total == 0) revert NothingToClaim(poolId, claimant);
        token.safeTransfer(recipient, total);
    }

    function _claimOne(
        uint256 poolId,
        ClaimTarget calldata target,
        address claimant,
        address recipient,
        uint256 index,
        uint256 cap
    ) private returns (uint256 amount) {
        bytes32 artifact = target.artifact;
        (address holder, uint32 share) = registry.slotHolder(artifact, target.slot);
        if (holder != claimant) revert NotContributor(artifact, target.slot, claimant);
        Member storage member_ = _members[poolId][artifact];
        Member memory cached = member_;
        if (cached.totalShares == 0) return 0;

        uint256 earned;
        if (cached.upstreamBps != 0) {
            // Artifacts with parents settle on claim, which moves their upstream part one step.
            _settle(poolId, artifact, member_, index, new bytes32[](0), 0);
            earned = _earned[poolId][artifact];
        } else {
            earned = uint256(cached.weight) * (index - cached.checkpoint);
            if (cached.flags & FLAG_HAS_EARNED != 0) earned += _earned[poolId][artifact];
        }
        uint256 entitled = PoolMath.entitlement(earned, share, cached.totalShares);
        uint256 paid = _claimed[poolId][artifact][target.slot];
        if (entitled <= paid) return 0;
        amount = Math.min(entitled - paid, cap);
        _claimed[poolId][artifact][target.slot] = paid + amount;
        emit RewardsClaimed(poolId, artifact, claimant, target.slot, recipient, amount);
    }

    function _claimableOf(
        uint256 poolId,
        bytes32 artifact,
        address account,
        uint256 index
    ) private view returns (uint256) {
        (bool found, uint256 slot) = registry.slotOf(artifact, account);
        if (!found) return 0;
        (, uint32 share) = registry.slotHolder(artifact, slot);
        return _claimableView(poolId, artifact, slot, share, index);
    }

    /// @dev What `_claimOne` would pay at `index`, including the parts a settlement would withhold from retracted
    /// parents.
    function _claimableView(
        uint256 poolId,
        bytes32 artifact,
        uint256 slot,
        uint256 share,
        uint256 index
    ) private view returns (uint256) {
        Member memory cached = _members[poolId][artifact];
        if (cached.totalShares == 0 || share == 0) return 0;
        uint256 direct = uint256(cached.weight) * (index - cached.checkpoint);
        (uint256 upstream, uint256 kept) = PoolMath.splitUpstream(direct, cached.upstreamBps);
        if (cached.upstreamBps != 0) {
            kept += _withheldView(artifact, upstream + _pendingUpstream[poolId][artifact]);
        }
        uint256 entitled = PoolMath.entitlement(_earned[poolId][artifact] + kept, share, cached.totalShares);
        uint256 paid = _claimed[poolId][artifact][slot];
        return entitled > paid ? entitled - paid : 0;
    }

    function _withheldView(bytes32 child, uint256 outflow) private view returns (uint256 withheld) {
        if (outflow == 0) return 0;
        (bytes32[] memory parents, bool[] memory retracted) = registry.lineage(child);
        for (uint256 i; i < parents.length; ++i) {
            if (retracted[i]) withheld += PoolMath.parentPart(outflow, parents.length, i);
        }
    }

    function _hashTargets(ClaimTarget[] calldata targets) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](targets.length);
        for (uint256 i; i < targets.length; ++i) {
            hashes[i] = keccak256(abi.encode(CLAIM_TARGET_TYPEHASH, targets[i].artifact, targets[i].slot));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _requirePool(uint256 poolId) private view returns (Pool storage pool_) {
        pool_ = _pools[poolId];
        if (address(pool_.token) == address(0)) revert UnknownPool(poolId);
    }

    function _requireCurator(uint256 poolId) private view returns (Pool storage pool_) {
        pool_ = _requirePool(poolId);
        if (msg.sender != pool_.curator) revert NotCurator(poolId, msg.sender);
    }
}
