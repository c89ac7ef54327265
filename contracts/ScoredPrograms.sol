// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IScoredPrograms} from "./interfaces/IScoredPrograms.sol";
import {Signatures} from "./libraries/Signatures.sol";

/// @title ScoredPrograms
/// @notice Usage-scored reward programs: Merkle roots of cumulative amounts, a dispute window with a guardian veto,
/// cumulative claims. One contract holds every program; `multicall` claims several in one transaction.
/// @dev Solvency: a root's cumulative total is at most what its program received, and what a program paid never
/// exceeds its active root's total (checked per claim), so no program can pay out another program's tokens.
contract ScoredPrograms is IScoredPrograms, EIP712, Multicall, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 private constant CLAIM_TYPEHASH = keccak256(
        "Claim(uint256 programId,address account,address recipient,uint256 maxAmount,uint256 nonce,uint256 deadline)"
    );

    /// @dev Written at creation so the first post does not pay for a fresh slot; never a root anyone can prove.
    bytes32 private constant NO_ROOT = bytes32(uint256(1));

    /// @inheritdoc IScoredPrograms
    uint256 public constant MAX_DISPUTE_WINDOW = 90 days;

    /// @inheritdoc IScoredPrograms
    uint256 public programCount;

    /// @dev Slots 0-2 are what a claim reads; 3-5 what a post adds; the rest only role changes.
    struct Program {
        IERC20 token;
        uint40 pendingValidAt; // 0: no pending root
        uint32 disputeWindow;
        bytes32 activeRoot;
        uint128 claimedTotal;
        uint128 activeTotal;
        bytes32 pendingRoot;
        uint128 pendingTotal;
        uint128 received;
        address scorer;
        uint64 activeEpoch;
        address guardian;
        address pendingScorer;
        address pendingGuardian;
    }

    mapping(uint256 programId => Program program) private _programs;
    mapping(uint256 programId => mapping(address account => uint256 amount)) private _claimed;
    mapping(address account => uint256 nonce) private _nonces;

    constructor() EIP712("ScoredPrograms", "1") {}

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Programs and roles
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IScoredPrograms
    function createProgram(
        IERC20 token,
        address scorer,
        address guardian,
        uint32 disputeWindow
    ) external returns (uint256 programId) {
        if (address(token).code.length == 0) revert InvalidToken(address(token));
        if (scorer == address(0) || guardian == address(0)) revert ZeroRole();
        if (disputeWindow > MAX_DISPUTE_WINDOW)
            revert DisputeWindowTooLong(disputeWindow, MAX_DISPUTE_WINDOW);
        programId = ++programCount;
        Program storage p = _programs[programId];
        p.token = token;
        p.disputeWindow = disputeWindow;
        p.pendingRoot = NO_ROOT;
        p.scorer = scorer;
        p.guardian = guardian;
        emit ProgramCreated(programId, token, scorer, guardian, disputeWindow, msg.sender);
    }

    /// @inheritdoc IScoredPrograms
    function proposeScorer(uint256 programId, address newScorer) external {
        Program storage p = _requireProgram(programId);
        if (msg.sender != p.scorer) revert NotScorer(programId, msg.sender);
        p.pendingScorer = newScorer;
        emit ScorerProposed(programId, msg.sender, newScorer);
    }

    /// @inheritdoc IScoredPrograms
    function acceptScorer(uint256 programId) external {
        Program storage p = _requireProgram(programId);
        if (msg.sender != p.pendingScorer || msg.sender == address(0))
            revert NotPendingScorer(programId, msg.sender);
        address previous = p.scorer;
        p.scorer = msg.sender;
        p.pendingScorer = address(0);
        emit ScorerTransferred(programId, previous, msg.sender);
    }

    /// @inheritdoc IScoredPrograms
    function proposeGuardian(uint256 programId, address newGuardian) external {
        Program storage p = _requireProgram(programId);
        if (msg.sender != p.guardian) revert NotGuardian(programId, msg.sender);
        p.pendingGuardian = newGuardian;
        emit GuardianProposed(programId, msg.sender, newGuardian);
    }

    /// @inheritdoc IScoredPrograms
    function acceptGuardian(uint256 programId) external {
        Program storage p = _requireProgram(programId);
        if (msg.sender != p.pendingGuardian || msg.sender == address(0)) {
            revert NotPendingGuardian(programId, msg.sender);
        }
        address previous = p.guardian;
        p.guardian = msg.sender;
        p.pendingGuardian = address(0);
        emit GuardianTransferred(programId, previous, msg.sender);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Funding
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IScoredPrograms
    function fund(uint256 programId, uint256 amount) external nonReentrant {
        _fund(programId, amount);
    }

    /// @inheritdoc IScoredPrograms
    function fundWithPermit(
        uint256 programId,
        uint256 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        IERC20 token = _requireProgram(programId).token;
        // A front-runner may spend the permit first; the allowance it leaves still lets the transfer go through.
        try
            IERC20Permit(address(token)).permit(msg.sender, address(this), amount, permitDeadline, v, r, s)
        {} catch {}
        _fund(programId, amount);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Roots
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IScoredPrograms
    function post(
        uint256 programId,
        uint64 epoch,
        bytes32 root,
        uint128 cumulativeTotal,
        bytes32 usageHash,
        string calldata usageURI,
        bytes32 allocationHash,
        string calldata allocationURI
    ) external {
        Program storage p = _requireProgram(programId);
        if (msg.sender != p.scorer) revert NotScorer(programId, msg.sender);
        uint256 pendingValidAt = p.pendingValidAt;
        if (pendingValidAt != 0 && pendingValidAt <= block.timestamp) _promote(p, programId);
        else if (pendingValidAt != 0) emit PendingRootReplaced(programId, p.activeEpoch + 1, p.pendingRoot);
        uint256 expected = uint256(p.activeEpoch) + 1;
        if (epoch != expected) revert WrongEpoch(programId, epoch, expected);
        if (root == bytes32(0) || root == NO_ROOT) revert ZeroRoot();
        uint256 received = p.received;
        if (cumulativeTotal > received) revert BudgetExceedsFunds(programId, cumulativeTotal, received);
        uint256 activeTotal = p.activeTotal;
        if (cumulativeTotal < activeTotal) {
            revert CumulativeTotalDecreased(programId, cumulativeTotal, activeTotal);
        }
        // A timestamp fits in 40 bits for 34,000 years; the window is at most MAX_DISPUTE_WINDOW.
        uint40 validAt = uint40(block.timestamp + p.disputeWindow);
        p.pendingRoot = root;
        p.pendingTotal = cumulativeTotal;
        p.pendingValidAt = validAt;
        emit RootPosted(
            programId,
            epoch,
            root,
            cumulativeTotal,
            validAt,
            usageHash,
            usageURI,
            allocationHash,
            allocationURI
        );
    }

    /// @inheritdoc IScoredPrograms
    function veto(uint256 programId, bytes32 root) external {
        Program storage p = _requireProgram(programId);
        if (msg.sender != p.guardian) revert NotGuardian(programId, msg.sender);
        uint256 validAt = p.pendingValidAt;
        if (validAt == 0) revert NoPendingRoot(programId);
        if (validAt <= block.timestamp) revert DisputeWindowEnded(programId, validAt);
        if (root != p.pendingRoot) revert NotPendingRoot(programId, root);
        p.pendingValidAt = 0;
        emit RootVetoed(programId, uint256(p.activeEpoch) + 1, root, msg.sender);
    }

    /// @inheritdoc IScoredPrograms
    function activate(uint256 programId) external {
        Program storage p = _requireProgram(programId);
        uint256 validAt = p.pendingValidAt;
        if (validAt == 0) revert NoPendingRoot(programId);
        if (validAt > block.timestamp) revert DisputeWindowOpen(programId, validAt);
        _promote(p, programId);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IScoredPrograms
    function claim(
        uint256 programId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        return _claim(programId, account, cumulativeAmount, proof, account, type(uint256).max);
    }

    /// @inheritdoc IScoredPrograms
    function claimTo(
        uint256 programId,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        address recipient
    ) external nonReentrant returns (uint256 amount) {
        return _claim(programId, msg.sender, cumulativeAmount, proof, recipient, type(uint256).max);
    }

    /// @inheritdoc IScoredPrograms
    function claimBySig(
        uint256 programId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        address recipient,
        uint256 maxAmount,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant returns (uint256 amount) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        uint256 current = _nonces[account];
        if (nonce != current) revert InvalidAccountNonce(account, current);
        // Cannot overflow: a nonce only grows by one here or to a caller-chosen uint256 below.
        unchecked {
            _nonces[account] = current + 1;
        }
        bytes32 structHash = keccak256(
            abi.encode(CLAIM_TYPEHASH, programId, account, recipient, maxAmount, nonce, deadline)
        );
        if (!Signatures.isValidNowCalldata(account, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(account);
        }
        return _claim(programId, account, cumulativeAmount, proof, recipient, maxAmount);
    }

    /// @inheritdoc IScoredPrograms
    function invalidateNonces(uint256 newNonce) external {
        uint256 current = _nonces[msg.sender];
        if (newNonce <= current) revert NonceNotIncreased(msg.sender, current, newNonce);
        _nonces[msg.sender] = newNonce;
        emit NoncesInvalidated(msg.sender, newNonce);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IScoredPrograms
    function program(uint256 programId) external view returns (ProgramView memory v) {
        Program storage p = _requireProgram(programId);
        v.token = p.token;
        v.scorer = p.scorer;
        v.guardian = p.guardian;
        v.pendingScorer = p.pendingScorer;
        v.pendingGuardian = p.pendingGuardian;
        v.disputeWindow = p.disputeWindow;
        v.received = p.received;
        v.claimed = p.claimedTotal;
        v.activeEpoch = p.activeEpoch;
        v.activeRoot = p.activeRoot;
        v.activeTotal = p.activeTotal;
        uint40 validAt = p.pendingValidAt;
        if (validAt != 0 && validAt <= block.timestamp) {
            v.activeEpoch += 1;
            v.activeRoot = p.pendingRoot;
            v.activeTotal = p.pendingTotal;
        } else if (validAt != 0) {
            v.pendingRoot = p.pendingRoot;
            v.pendingTotal = p.pendingTotal;
            v.pendingValidAt = validAt;
        }
    }

    /// @inheritdoc IScoredPrograms
    function claimed(uint256 programId, address account) external view returns (uint256) {
        return _claimed[programId][account];
    }

    /// @inheritdoc IScoredPrograms
    function claimable(
        uint256 programId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external view returns (uint256) {
        Program storage p = _requireProgram(programId);
        uint40 validAt = p.pendingValidAt;
        bytes32 root = validAt != 0 && validAt <= block.timestamp ? p.pendingRoot : p.activeRoot;
        if (root == bytes32(0) || !MerkleProof.verifyCalldata(proof, root, leaf(account, cumulativeAmount))) {
            return 0;
        }
        uint256 already = _claimed[programId][account];
        return cumulativeAmount > already ? cumulativeAmount - already : 0;
    }

    /// @inheritdoc IScoredPrograms
    function nonces(address account) external view returns (uint256) {
        return _nonces[account];
    }

    /// @inheritdoc IScoredPrograms
    function leaf(address account, uint256 cumulativeAmount) public pure returns (bytes32 hash) {
        // keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount)))) in the scratch space, so a claim
        // allocates no memory for it.
        assembly ("memory-safe") {
            mstore(0x00, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x40))
            hash := keccak256(0x00, 0x20)
        }
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    function _requireProgram(uint256 programId) private view returns (Program storage p) {
        p = _programs[programId];
        if (address(p.token) == address(0)) revert UnknownProgram(programId);
    }

    /// @dev Credits what arrived, not what was asked for, so fee-on-transfer tokens cannot make a program insolvent.
    function _fund(uint256 programId, uint256 amount) private {
        Program storage p = _requireProgram(programId);
        if (amount == 0) revert ZeroAmount();
        IERC20 token = p.token;
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - balanceBefore;
        if (received == 0) revert NothingReceived(programId);
        uint256 total = uint256(p.received) + received;
        if (total > type(uint128).max) revert ProgramCapacityExceeded(programId, received);
        p.received = uint128(total);
        emit ProgramFunded(programId, msg.sender, amount, received);
    }

    function _promote(Program storage p, uint256 programId) private {
        bytes32 root = p.pendingRoot;
        uint128 total = p.pendingTotal;
        uint64 epoch = p.activeEpoch + 1;
        p.activeRoot = root;
        p.activeTotal = total;
        p.activeEpoch = epoch;
        p.pendingValidAt = 0;
        emit RootActivated(programId, epoch, root, total);
    }

    function _claim(
        uint256 programId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        address recipient,
        uint256 maxAmount
    ) private returns (uint256 amount) {
        if (recipient == address(0)) revert InvalidRecipient();
        Program storage p = _programs[programId];
        IERC20 token = p.token;
        if (address(token) == address(0)) revert UnknownProgram(programId);
        uint256 validAt = p.pendingValidAt;
        if (validAt != 0 && validAt <= block.timestamp) _promote(p, programId);
        bytes32 root = p.activeRoot;
        if (root == bytes32(0)) revert NoActiveRoot(programId);
        if (!MerkleProof.verifyCalldata(proof, root, leaf(account, cumulativeAmount))) {
            revert InvalidProof(programId, account, cumulativeAmount);
        }
        uint256 already = _claimed[programId][account];
        if (cumulativeAmount <= already) revert NothingToClaim(programId, account, cumulativeAmount, already);
        // Cannot underflow: checked just above.
        unchecked {
            amount = cumulativeAmount - already;
        }
        if (amount > maxAmount) amount = maxAmount;
        if (amount == 0) revert NothingToClaim(programId, account, cumulativeAmount, already);
        uint256 claimedTotal = uint256(p.claimedTotal) + amount;
        uint256 activeTotal = p.activeTotal;
        if (claimedTotal > activeTotal) revert ClaimExceedsTotal(programId, claimedTotal, activeTotal);
        uint256 cumulativeClaimed = already + amount;
        _claimed[programId][account] = cumulativeClaimed;
        // Fits: at most activeTotal, a uint128.
        p.claimedTotal = uint128(claimedTotal);
        emit RewardsClaimed(programId, account, recipient, amount, cumulativeClaimed);
        token.safeTransfer(recipient, amount);
    }
}
