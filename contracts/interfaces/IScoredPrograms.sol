// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Knowledge Commons scored programs: usage-based rewards paid from posted Merkle roots
/// @notice A program pays one ERC-20 token. Per epoch its scorer posts the Merkle root of every account's
/// cumulative amount (all epochs so far), computed off-chain from a public usage file and the registry at a block;
/// the root waits out the program's dispute window, during which its guardian may veto it, then becomes active.
/// Claims are cumulative: a proof against the active root pays the difference with what the account already
/// claimed. Leaf = `keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))))` (OpenZeppelin
/// StandardMerkleTree encoding), inner nodes hash sorted pairs.
/// Posting rule: the scorer posts epoch `activeEpoch + 1`; while that epoch's root is pending, posting it again
/// replaces the pending root and restarts the window. A vetoed root never pays; the next post for that epoch
/// starts afresh. The guardian can only veto; the scorer can only post roots whose cumulative total the program
/// received and that the guardian had a window to veto; each role is handed over in two steps by its holder.
interface IScoredPrograms {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Types
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Everything a wallet shows about a program; the active root already includes a pending root
    /// whose dispute window has ended (it is promoted by the next claim, post or `activate`).
    struct ProgramView {
        IERC20 token;
        address scorer;
        address guardian;
        address pendingScorer;
        address pendingGuardian;
        uint32 disputeWindow;
        uint64 activeEpoch;
        bytes32 activeRoot;
        uint128 activeTotal;
        bytes32 pendingRoot;
        uint128 pendingTotal;
        uint40 pendingValidAt;
        uint128 received;
        uint128 claimed;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Events
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Program `programId` paying `token` was created by `creator`.
    event ProgramCreated(
        uint256 indexed programId,
        IERC20 indexed token,
        address indexed scorer,
        address guardian,
        uint256 disputeWindow,
        address creator
    );
    /// @notice `funder` sent `amount`; the program was credited what arrived, `received`.
    event ProgramFunded(uint256 indexed programId, address indexed funder, uint256 amount, uint256 received);
    /// @notice The scorer posted `root` for `epoch`; it becomes active at `validAt` unless vetoed.
    /// @param cumulativeTotal Sum of every account's cumulative amount in `root`.
    /// @param usageHash Content hash of the epoch's usage file (`usageURI` says where it is).
    /// @param allocationHash Content hash of the cumulative allocation file (`allocationURI` says where it is).
    event RootPosted(
        uint256 indexed programId,
        uint256 indexed epoch,
        bytes32 root,
        uint256 cumulativeTotal,
        uint256 validAt,
        bytes32 usageHash,
        string usageURI,
        bytes32 allocationHash,
        string allocationURI
    );
    /// @notice A new post replaced the pending `root` of `epoch` before it became active.
    event PendingRootReplaced(uint256 indexed programId, uint256 indexed epoch, bytes32 root);
    /// @notice The guardian vetoed the pending `root` of `epoch`; it will never pay.
    event RootVetoed(uint256 indexed programId, uint256 indexed epoch, bytes32 root, address guardian);
    /// @notice `root` of `epoch` became the active root: claims prove against it.
    event RootActivated(
        uint256 indexed programId,
        uint256 indexed epoch,
        bytes32 root,
        uint256 cumulativeTotal
    );
    /// @notice `account` was paid `amount` to `recipient`; it has claimed `cumulativeClaimed` in total.
    event RewardsClaimed(
        uint256 indexed programId,
        address indexed account,
        address indexed recipient,
        uint256 amount,
        uint256 cumulativeClaimed
    );
    /// @notice The scorer of `programId` proposed `proposed` as its successor.
    event ScorerProposed(uint256 indexed programId, address indexed scorer, address indexed proposed);
    /// @notice `scorer` accepted the scorer role of `programId` from `previous`.
    event ScorerTransferred(uint256 indexed programId, address indexed previous, address indexed scorer);
    /// @notice The guardian of `programId` proposed `proposed` as its successor.
    event GuardianProposed(uint256 indexed programId, address indexed guardian, address indexed proposed);
    /// @notice `guardian` accepted the guardian role of `programId` from `previous`.
    event GuardianTransferred(uint256 indexed programId, address indexed previous, address indexed guardian);
    /// @notice `account` revoked its signed claims below `newNonce`.
    event NoncesInvalidated(address indexed account, uint256 newNonce);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Errors
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice No program has id `programId`.
    error UnknownProgram(uint256 programId);
    /// @notice `token` has no code.
    error InvalidToken(address token);
    /// @notice A role (scorer or guardian) cannot be the zero address.
    error ZeroRole();
    /// @notice `disputeWindow` is longer than `max` seconds.
    error DisputeWindowTooLong(uint256 disputeWindow, uint256 max);
    /// @notice `caller` is not the scorer of `programId`.
    error NotScorer(uint256 programId, address caller);
    /// @notice `caller` is not the guardian of `programId`.
    error NotGuardian(uint256 programId, address caller);
    /// @notice `caller` is not the proposed scorer of `programId`.
    error NotPendingScorer(uint256 programId, address caller);
    /// @notice `caller` is not the proposed guardian of `programId`.
    error NotPendingGuardian(uint256 programId, address caller);
    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice The transfer into `programId` credited nothing.
    error NothingReceived(uint256 programId);
    /// @notice Crediting `received` would take the program's total received past 2^128 - 1.
    error ProgramCapacityExceeded(uint256 programId, uint256 received);
    /// @notice Posts are for epoch `expected`, not `epoch`.
    error WrongEpoch(uint256 programId, uint256 epoch, uint256 expected);
    /// @notice The root is zero.
    error ZeroRoot();
    /// @notice The root's `cumulativeTotal` is more than the program received, `received`.
    error BudgetExceedsFunds(uint256 programId, uint256 cumulativeTotal, uint256 received);
    /// @notice `cumulativeTotal` is below the active root's `activeTotal`: cumulative amounts never shrink.
    error CumulativeTotalDecreased(uint256 programId, uint256 cumulativeTotal, uint256 activeTotal);
    /// @notice `programId` has no pending root (never posted, vetoed, or already active).
    error NoPendingRoot(uint256 programId);
    /// @notice `root` is not the pending root of `programId`.
    error NotPendingRoot(uint256 programId, bytes32 root);
    /// @notice The pending root's dispute window is still open until `validAt`.
    error DisputeWindowOpen(uint256 programId, uint256 validAt);
    /// @notice The pending root's dispute window ended at `validAt`: it is active and can no longer be vetoed.
    error DisputeWindowEnded(uint256 programId, uint256 validAt);
    /// @notice `programId` has no active root yet: the first root is pending, vetoed or never posted.
    error NoActiveRoot(uint256 programId);
    /// @notice The proof does not show `cumulativeAmount` for `account` in the active root.
    error InvalidProof(uint256 programId, address account, uint256 cumulativeAmount);
    /// @notice `account` has nothing left to claim (it claimed `claimed` of `cumulativeAmount`).
    error NothingToClaim(uint256 programId, address account, uint256 cumulativeAmount, uint256 claimed);
    /// @notice Paying would take what the program paid, `claimedTotal`, past the active root's total.
    error ClaimExceedsTotal(uint256 programId, uint256 claimedTotal, uint256 activeTotal);
    /// @notice The recipient is the zero address.
    error InvalidRecipient();
    /// @notice The signed claim expired at `deadline`.
    error SignatureExpired(uint256 deadline);
    /// @notice The signature is not `signer`'s for this claim.
    error InvalidSignature(address signer);
    /// @notice The signed nonce is not `account`'s current nonce, `currentNonce`.
    error InvalidAccountNonce(address account, uint256 currentNonce);
    /// @notice `newNonce` does not exceed `account`'s current nonce `currentNonce`.
    error NonceNotIncreased(address account, uint256 currentNonce, uint256 newNonce);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Programs and roles
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Creates a program paying `token`. Roles and the window are fixed here; only each role's holder can
    /// hand it over (two steps).
    /// @param scorer Who posts roots (an EOA, a Safe, a contract).
    /// @param guardian Who may veto a pending root during the window.
    /// @param disputeWindow Seconds a posted root waits before it pays (0: the scorer is fully trusted).
    /// @return programId The new program's id, counting from 1.
    function createProgram(
        IERC20 token,
        address scorer,
        address guardian,
        uint32 disputeWindow
    ) external returns (uint256 programId);

    /// @notice The scorer proposes `newScorer`, who must accept; proposing zero cancels.
    function proposeScorer(uint256 programId, address newScorer) external;

    /// @notice The proposed scorer takes the role.
    function acceptScorer(uint256 programId) external;

    /// @notice The guardian proposes `newGuardian`, who must accept; proposing zero cancels.
    function proposeGuardian(uint256 programId, address newGuardian) external;

    /// @notice The proposed guardian takes the role.
    function acceptGuardian(uint256 programId) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Funding
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Sends `amount` of the program's token from the caller (after `approve`); credits what arrived.
    function fund(uint256 programId, uint256 amount) external;

    /// @notice `fund` with an ERC-2612 permit of the caller for this contract, in one transaction.
    function fundWithPermit(
        uint256 programId,
        uint256 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Roots
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The scorer posts the root of `epoch` (= active epoch + 1), pending for the dispute window; a pending
    /// root of the same epoch is replaced and its window restarts. Promotes a matured pending root first.
    /// @param cumulativeTotal Sum of all cumulative amounts in `root`; at most what the program received, and at
    /// least the active root's.
    function post(
        uint256 programId,
        uint64 epoch,
        bytes32 root,
        uint128 cumulativeTotal,
        bytes32 usageHash,
        string calldata usageURI,
        bytes32 allocationHash,
        string calldata allocationURI
    ) external;

    /// @notice The guardian vetoes the pending root `root` (named so a replacement is never vetoed by mistake).
    function veto(uint256 programId, bytes32 root) external;

    /// @notice Makes a pending root whose window has ended active. Anyone may call; claims and posts do it too.
    function activate(uint256 programId) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Claims
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Pays `account` (to itself) what it has not claimed of `cumulativeAmount`. Anyone may call.
    /// @param proof Sibling hashes from the leaf to the active root.
    /// @return amount What was paid.
    function claim(
        uint256 programId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice The caller claims its own rewards and sends them to `recipient`.
    function claimTo(
        uint256 programId,
        uint256 cumulativeAmount,
        bytes32[] calldata proof,
        address recipient
    ) external returns (uint256 amount);

    /// @notice Claims for `account`, who signed the EIP-712 request
    /// `Claim(uint256 programId,address account,address recipient,uint256 maxAmount,uint256 nonce,uint256 deadline)`;
    /// pays at most `maxAmount` to `recipient`. The caller pays gas.
    /// @param nonce `account`'s current nonce; it is used up.
    /// @param signature ECDSA by the account's key, else accepted by the account's EIP-1271 `isValidSignature`.
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
    ) external returns (uint256 amount);

    /// @notice Revokes the caller's outstanding signed claims: its nonce becomes `newNonce` (which must be larger).
    function invalidateNonces(uint256 newNonce) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Longest dispute window a program may have, in seconds.
    function MAX_DISPUTE_WINDOW() external view returns (uint256);

    /// @notice Number of programs created; ids run from 1 to this.
    function programCount() external view returns (uint256);

    /// @notice The state of `programId` as of now (a matured pending root shows as active).
    function program(uint256 programId) external view returns (ProgramView memory);

    /// @notice What `account` has claimed from `programId` in total.
    function claimed(uint256 programId, address account) external view returns (uint256);

    /// @notice What a claim with this proof would pay now (0 if the proof does not match the active root).
    function claimable(
        uint256 programId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external view returns (uint256);

    /// @notice The nonce `account`'s next signed claim must carry.
    function nonces(address account) external view returns (uint256);

    /// @notice The leaf of (`account`, `cumulativeAmount`), as trees must hash it.
    function leaf(address account, uint256 cumulativeAmount) external pure returns (bytes32);
}
