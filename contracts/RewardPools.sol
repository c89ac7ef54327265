// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IKnowledgeRegistry} from "./interfaces/IKnowledgeRegistry.sol";
import {IRewardPools} from "./interfaces/IRewardPools.sol";
import {PoolMath} from "./libraries/PoolMath.sol";
import {Signatures} from "./libraries/Signatures.sol";

/// @title RewardPools
/// @notice Community reward pools over the artifacts of a KnowledgeRegistry.
/// @dev Claims read the pool index "virtually" (stream accrued to now, not stored), so a repeat claim on an artifact
/// without parents writes only the claimed amount; any later stored index is at least that virtual one, so payouts
/// stay monotone and backed. Claims on artifacts with parents also settle them, which moves their upstream part.
/// The reentrancy guard sits on every function that moves tokens. Curation and `settle` move none and call only the
/// registry, so a token hook re-entering them mid-transfer finds consistent state: a transfer in `fund` is measured by
/// balance difference, and `claim` books everything before its single transfer.
contract RewardPools is IRewardPools, EIP712, Nonces, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    bytes32 private constant CLAIM_TARGET_TYPEHASH = keccak256("ClaimTarget(bytes32 artifact,uint256 slot)");
    bytes32 private constant CLAIM_TYPEHASH = keccak256(
        "Claim(uint256 poolId,ClaimTarget[] targets,address recipient,address claimant,uint256 nonce,"
        "uint256 deadline)ClaimTarget(bytes32 artifact,uint256 slot)"
    );

    /// @inheritdoc IRewardPools
    uint256 public constant SCALE = PoolMath.SCALE;

    uint8 private constant FLAG_HAS_EARNED = 1;

    /// @inheritdoc IRewardPools
    uint256 public constant MAX_STREAM_DURATION = 5 * 365 days;

    /// @inheritdoc IRewardPools
    IKnowledgeRegistry public immutable registry;

    /// @inheritdoc IRewardPools
    uint256 public poolCount;

    /// @dev Field order is slot order: slot 0 and 1 are what every claim reads, slot 2 only while streaming.
    struct Pool {
        IERC20 token;
        uint96 totalWeight;
        uint168 index;
        uint40 lastUpdate;
        uint40 streamEnd;
        uint128 streamRemaining;
        uint128 carried;
        address curator;
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

    mapping(uint256 poolId => Pool pool) private _pools;
    mapping(uint256 poolId => mapping(bytes32 artifact => Member member)) private _members;
    /// @dev Scaled cumulative earnings of an artifact's contributors (after its upstream part).
    mapping(uint256 poolId => mapping(bytes32 artifact => uint256 scaled)) private _earned;
    /// @dev Scaled inflow from children still to be passed on to this artifact's parents.
    mapping(uint256 poolId => mapping(bytes32 artifact => uint256 scaled)) private _pendingUpstream;
    mapping(uint256 poolId => mapping(bytes32 artifact => mapping(uint256 slot => uint256 amount)))
        private _claimed;

    /// @param registry_ The registry whose artifacts these pools pay.
    constructor(IKnowledgeRegistry registry_) EIP712("RewardPools", "1") {
        registry = registry_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Pools and curation
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function createPool(IERC20 token, address curator) external returns (uint256 poolId) {
        if (address(token).code.length == 0) revert InvalidToken(address(token));
        if (curator == address(0)) revert InvalidCurator(curator);
        poolId = ++poolCount;
        Pool storage pool_ = _pools[poolId];
        pool_.token = token;
        pool_.lastUpdate = uint40(block.timestamp);
        pool_.curator = curator;
        emit PoolCreated(poolId, token, curator, msg.sender);
    }

    /// @inheritdoc IRewardPools
    function admit(uint256 poolId, bytes32 artifact, uint32 weight) external {
        Pool storage pool_ = _requireCurator(poolId);
        _admit(pool_, poolId, artifact, weight, _accrue(pool_, 0));
    }

    /// @inheritdoc IRewardPools
    function admitMany(uint256 poolId, bytes32[] calldata artifacts, uint32[] calldata weights) external {
        Pool storage pool_ = _requireCurator(poolId);
        if (artifacts.length != weights.length) revert LengthMismatch(artifacts.length, weights.length);
        // One distribution before all of them: what was carried is then shared by every new member.
        uint256 index = _accrue(pool_, 0);
        for (uint256 i; i < artifacts.length; ++i) {
            _admit(pool_, poolId, artifacts[i], weights[i], index);
        }
    }

    function _admit(
        Pool storage pool_,
        uint256 poolId,
        bytes32 artifact,
        uint32 weight,
        uint256 index
    ) private {
        if (weight == 0) revert ZeroWeight();
        Member storage member_ = _members[poolId][artifact];
        if (member_.weight != 0) revert AlreadyMember(poolId, artifact);
        (bool registered, bool retracted, uint16 upstreamBps, uint32 totalShares) = registry.economics(
            artifact
        );
        if (!registered) revert ArtifactNotRegistered(artifact);
        if (retracted) revert ArtifactIsRetracted(artifact);

        // A returning artifact had weight 0 since it left, so it earned nothing meanwhile: just move its checkpoint.
        _members[poolId][artifact] = Member({
            checkpoint: uint168(index),
            flags: member_.flags,
            weight: weight,
            upstreamBps: upstreamBps,
            totalShares: totalShares
        });
        pool_.totalWeight += weight;
        emit ArtifactAdmitted(poolId, artifact, weight);
    }

    /// @inheritdoc IRewardPools
    function setWeight(uint256 poolId, bytes32 artifact, uint32 weight) external {
        if (weight == 0) revert ZeroWeight();
        uint32 oldWeight = _reweigh(poolId, artifact, weight);
        emit WeightChanged(poolId, artifact, oldWeight, weight);
    }

    /// @inheritdoc IRewardPools
    function remove(uint256 poolId, bytes32 artifact) external {
        uint32 oldWeight = _reweigh(poolId, artifact, 0);
        emit ArtifactRemoved(poolId, artifact, oldWeight);
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
    function fundStream(uint256 poolId, uint256 amount, uint256 duration) external nonReentrant {
        _fundStream(poolId, amount, duration);
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
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        _permit(poolId, amount, permitDeadline, v, r, s);
        _fundStream(poolId, amount, duration);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Settlement and claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function settle(uint256 poolId, bytes32[] calldata artifacts) external {
        uint256 index = _accrue(_requirePool(poolId), 0);
        for (uint256 i; i < artifacts.length; ++i) {
            Member storage member_ = _members[poolId][artifacts[i]];
            if (member_.totalShares != 0) _settle(poolId, artifacts[i], member_, index);
        }
    }

    /// @inheritdoc IRewardPools
    function claim(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient
    ) external nonReentrant returns (uint256 amount) {
        return _claim(poolId, targets, msg.sender, recipient);
    }

    /// @inheritdoc IRewardPools
    function claimBySig(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address recipient,
        address claimant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant returns (uint256 amount) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        _useCheckedNonce(claimant, nonce);
        bytes32 structHash = keccak256(
            abi.encode(CLAIM_TYPEHASH, poolId, _hashTargets(targets), recipient, claimant, nonce, deadline)
        );
        if (!Signatures.isValidNowCalldata(claimant, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(claimant);
        }
        return _claim(poolId, targets, claimant, recipient);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRewardPools
    function pool(uint256 poolId) external view returns (PoolView memory view_) {
        Pool storage pool_ = _requirePool(poolId);
        uint256 released = PoolMath.streamed(
            pool_.streamRemaining,
            pool_.lastUpdate,
            pool_.streamEnd,
            block.timestamp
        );
        uint256 remaining = pool_.streamRemaining - released;
        view_.token = pool_.token;
        view_.curator = pool_.curator;
        view_.pendingCurator = pool_.pendingCurator;
        view_.totalWeight = pool_.totalWeight;
        view_.index = _currentIndex(pool_);
        view_.lastUpdate = pool_.lastUpdate;
        view_.streamRemaining = remaining;
        view_.streamEnd = pool_.streamEnd;
        view_.streamRatePerSecond =
            block.timestamp < pool_.streamEnd ? remaining / (pool_.streamEnd - block.timestamp) : 0;
        // Released while nobody was admitted, it is still owed to the next distribution.
        view_.carried = pool_.carried + (pool_.totalWeight == 0 ? released : 0);
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
    function claimed(uint256 poolId, bytes32 artifact, uint256 slot) external view returns (uint256) {
        return _claimed[poolId][artifact][slot];
    }

    /// @inheritdoc IRewardPools
    function claimableBySlot(uint256 poolId, bytes32 artifact, uint256 slot) public view returns (uint256) {
        Pool storage pool_ = _requirePool(poolId);
        (, uint32 share) = registry.slotHolder(artifact, slot);
        return _claimableView(pool_, poolId, artifact, slot, share);
    }

    /// @inheritdoc IRewardPools
    function claimable(uint256 poolId, bytes32 artifact, address account) public view returns (uint256) {
        Pool storage pool_ = _requirePool(poolId);
        (bool found, uint256 slot) = registry.slotOf(artifact, account);
        if (!found) return 0;
        (, uint32 share) = registry.slotHolder(artifact, slot);
        return _claimableView(pool_, poolId, artifact, slot, share);
    }

    /// @inheritdoc IRewardPools
    function claimableMany(
        uint256 poolId,
        bytes32[] calldata artifacts,
        address account
    ) external view returns (uint256 total) {
        for (uint256 i; i < artifacts.length; ++i) {
            total += claimable(poolId, artifacts[i], account);
        }
    }

    /// @inheritdoc IRewardPools
    function nonces(address claimant) public view override(IRewardPools, Nonces) returns (uint256) {
        return super.nonces(claimant);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals: funding
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    function _fund(uint256 poolId, uint256 amount) private {
        Pool storage pool_ = _requirePool(poolId);
        uint256 received = _pull(pool_, poolId, amount);
        _checkCapacity(pool_, poolId, received);
        _accrue(pool_, received);
        emit PoolFunded(poolId, msg.sender, amount, received);
    }

    function _fundStream(uint256 poolId, uint256 amount, uint256 duration) private {
        Pool storage pool_ = _requirePool(poolId);
        if (duration == 0) revert ZeroDuration();
        // Bounded so a dust stream cannot hold a pool's schedule for millennia (see `_checkTopUp`).
        if (duration > MAX_STREAM_DURATION) revert DurationTooLong(duration);
        uint256 streamEnd = block.timestamp + duration;
        uint256 received = _pull(pool_, poolId, amount);
        _checkCapacity(pool_, poolId, received);
        _accrue(pool_, 0);
        uint256 unreleased = pool_.streamRemaining;
        uint256 remaining = unreleased + received;
        uint256 currentEnd = pool_.streamEnd;
        // The curator sets the schedule (it already decides who is paid, and still cannot take funds), so it may
        // reshape a running stream, e.g. one a griefer started with 1 wei over years.
        if (unreleased != 0 && currentEnd > block.timestamp) {
            _checkTopUp(pool_, unreleased, currentEnd, remaining, streamEnd, received);
        }
        pool_.streamRemaining = remaining.toUint128();
        pool_.streamEnd = uint40(streamEnd);
        emit StreamFunded(poolId, msg.sender, amount, received, remaining, streamEnd);
    }

    /// @dev Anyone may top up a running stream, so a top-up by anyone but the curator must not reschedule other
    /// funders' money: it cannot end the stream sooner (releasing it early to today's members) nor release it more
    /// slowly (pushing it out).
    /// The curator is read only when a top-up would be refused, so ordinary top-ups do not pay for the exemption.
    function _checkTopUp(
        Pool storage pool_,
        uint256 unreleased,
        uint256 currentEnd,
        uint256 remaining,
        uint256 newEnd,
        uint256 received
    ) private view {
        if (newEnd < currentEnd) {
            if (msg.sender != pool_.curator) revert StreamEndsEarlier(currentEnd, newEnd);
            return;
        }
        uint256 keepsRate = Math.mulDiv(
            unreleased,
            newEnd - block.timestamp,
            currentEnd - block.timestamp,
            Math.Rounding.Ceil
        );
        if (remaining < keepsRate && msg.sender != pool_.curator) {
            revert StreamTopUpTooSmall(received, keepsRate - unreleased);
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
    /// Keeping it within uint168 means no later release, claim or curation call can overflow the index.
    function _checkCapacity(Pool storage pool_, uint256 poolId, uint256 received) private view {
        uint256 pending = uint256(pool_.streamRemaining) + pool_.carried;
        // By the invariant above, `pending` never exceeds `room`.
        uint256 room = (type(uint168).max - pool_.index) / SCALE;
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

    /// @dev Releases the stream up to now and distributes it with the carried amount and `amount`.
    /// @return index The pool index after the distribution.
    function _accrue(Pool storage pool_, uint256 amount) private returns (uint256 index) {
        uint256 remaining = pool_.streamRemaining;
        uint256 released = PoolMath.streamed(remaining, pool_.lastUpdate, pool_.streamEnd, block.timestamp);
        uint256 distributable = released + pool_.carried + amount;
        (uint256 indexDelta, uint256 leftover) = PoolMath.distribute(distributable, pool_.totalWeight);
        index = pool_.index + indexDelta;
        pool_.index = index.toUint168();
        pool_.lastUpdate = uint40(block.timestamp);
        if (released != 0) pool_.streamRemaining = uint128(remaining - released);
        pool_.carried = leftover.toUint128();
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals: accounting
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev The index as if the stream had been released up to now. Carried funds are left for the next stored
    /// distribution, so this never exceeds any index stored later.
    function _currentIndex(Pool storage pool_) private view returns (uint256) {
        uint256 totalWeight = pool_.totalWeight;
        uint256 index = pool_.index;
        if (totalWeight == 0) return index;
        uint256 released = PoolMath.streamed(
            pool_.streamRemaining,
            pool_.lastUpdate,
            pool_.streamEnd,
            block.timestamp
        );
        if (released == 0) return index;
        (uint256 indexDelta, ) = PoolMath.distribute(released, totalWeight);
        return index + indexDelta;
    }

    function _reweigh(uint256 poolId, bytes32 artifact, uint32 weight) private returns (uint32 oldWeight) {
        Pool storage pool_ = _requireCurator(poolId);
        Member storage member_ = _members[poolId][artifact];
        oldWeight = member_.weight;
        if (oldWeight == 0) revert NotMember(poolId, artifact);
        uint256 index = _accrue(pool_, 0);
        _settle(poolId, artifact, member_, index);
        member_.weight = weight;
        pool_.totalWeight = pool_.totalWeight - oldWeight + weight;
    }

    /// @dev Books what `artifact` earned since its checkpoint and passes its upstream part to its parents.
    function _settle(uint256 poolId, bytes32 artifact, Member storage member_, uint256 index) private {
        uint256 direct = uint256(member_.weight) * (index - member_.checkpoint);
        member_.checkpoint = index.toUint168();
        (uint256 upstream, uint256 kept) = PoolMath.splitUpstream(direct, member_.upstreamBps);
        if (kept != 0) {
            _earned[poolId][artifact] += kept;
            member_.flags |= FLAG_HAS_EARNED;
        }
        uint256 outflow = upstream + _pendingUpstream[poolId][artifact];
        if (outflow == 0) return;
        _pendingUpstream[poolId][artifact] = 0;
        _flowUpstream(poolId, artifact, outflow);
    }

    /// @dev Equal parts to each parent, the division remainder to the first. One lineage step: a parent's own
    /// upstream part waits in its pending balance until the parent is settled.
    function _flowUpstream(uint256 poolId, bytes32 artifact, uint256 outflow) private {
        bytes32[] memory parents = registry.parentsOf(artifact);
        uint256 count = parents.length;
        uint256 part = outflow / count;
        for (uint256 i; i < count; ++i) {
            uint256 amount = i == 0 ? outflow - part * (count - 1) : part;
            if (amount == 0) continue;
            bytes32 parent = parents[i];
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
            if (upstream != 0) _pendingUpstream[poolId][parent] += upstream;
            emit UpstreamFlowed(poolId, artifact, parent, amount);
        }
    }

    function _claim(
        uint256 poolId,
        ClaimTarget[] calldata targets,
        address claimant,
        address recipient
    ) private returns (uint256 total) {
        if (recipient == address(0)) revert InvalidRecipient();
        Pool storage pool_ = _requirePool(poolId);
        uint256 index = _currentIndex(pool_);
        for (uint256 i; i < targets.length; ++i) {
            total += _claimOne(poolId, targets[i], claimant, recipient, index);
        }
        if (total == 0) revert NothingToClaim(poolId, claimant);
        pool_.token.safeTransfer(recipient, total);
    }

    function _claimOne(
        uint256 poolId,
        ClaimTarget calldata target,
        address claimant,
        address recipient,
        uint256 index
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
            _settle(poolId, artifact, member_, index);
            earned = _earned[poolId][artifact];
        } else {
            earned = uint256(cached.weight) * (index - cached.checkpoint);
            if (cached.flags & FLAG_HAS_EARNED != 0) earned += _earned[poolId][artifact];
        }
        uint256 entitled = PoolMath.entitlement(earned, share, cached.totalShares);
        uint256 paid = _claimed[poolId][artifact][target.slot];
        if (entitled <= paid) return 0;
        amount = entitled - paid;
        _claimed[poolId][artifact][target.slot] = entitled;
        emit RewardsClaimed(poolId, artifact, claimant, target.slot, recipient, amount);
    }

    function _claimableView(
        Pool storage pool_,
        uint256 poolId,
        bytes32 artifact,
        uint256 slot,
        uint256 share
    ) private view returns (uint256) {
        Member memory cached = _members[poolId][artifact];
        if (cached.totalShares == 0 || share == 0) return 0;
        uint256 direct = uint256(cached.weight) * (_currentIndex(pool_) - cached.checkpoint);
        (, uint256 kept) = PoolMath.splitUpstream(direct, cached.upstreamBps);
        uint256 entitled = PoolMath.entitlement(_earned[poolId][artifact] + kept, share, cached.totalShares);
        uint256 paid = _claimed[poolId][artifact][slot];
        return entitled > paid ? entitled - paid : 0;
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
