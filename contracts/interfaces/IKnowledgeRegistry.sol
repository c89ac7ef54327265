// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Knowledge Commons registry of knowledge artifacts
/// @notice An artifact is identified forever by the SHA-256 digest of its content (a file's bytes, or a folder's
/// canonical manifest). Ownership is an ERC-721 token with id `uint256(digest)`; the economic rights are the
/// contributor slots fixed at registration. Lineage links point to artifacts that already exist, so the graph is
/// acyclic by construction. Every change is an event: an indexer can rebuild the registry without calls.
interface IKnowledgeRegistry {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Types
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice What an artifact is. Readable names live in the TypeScript layer (`src/parse.ts`).
    enum Kind {
        Dataset,
        Model,
        Agent,
        Code,
        Prompt,
        Document,
        Other
    }

    /// @notice What bytes a digest is the SHA-256 of, so anyone holding the record can rebuild its IPFS CID.
    /// @dev Raw: a file's bytes (CIDv1, raw codec 0x55). UnixFs: the dag-pb root block of the file's or folder's
    /// UnixFS DAG under the `unixfs-v1-2025` profile (CIDv1, dag-pb codec 0x70); a file that fits one chunk is a raw
    /// leaf and registers as Raw. Manifest: the Knowledge Commons canonical folder manifest (see the README).
    enum DigestScheme {
        Raw,
        UnixFs,
        Manifest
    }

    /// @notice One economic right: `share` parts out of the artifact's total shares.
    /// @dev Shares are relative units (e.g. basis points); their sum must fit in a uint32.
    struct Contributor {
        address account;
        uint32 share;
    }

    /// @notice Everything a registration fixes.
    /// @param digest SHA-256 of the content; never zero.
    /// @param kind What the artifact is.
    /// @param scheme What bytes `digest` is the SHA-256 of.
    /// @param uri Where the content or its metadata lives (ipfs://, ar://, https://); emitted, not stored.
    /// @param contributors 1..MAX_CONTRIBUTORS distinct non-zero accounts with non-zero shares.
    /// @param parents 0..MAX_PARENTS distinct digests that are already registered.
    /// @param upstreamBps Part of this artifact's rewards, in basis points, that flows to its parents.
    /// @param minUpstreamBps The least part of a derivative's rewards, in basis points, this artifact must receive.
    /// A derivative's upstreamBps is shared equally by its parents, so each parent's part is upstreamBps / parents.
    /// It must be at least every parent's own minUpstreamBps, so a wrapper cannot launder a minimum away: along a
    /// path P <- X <- D, D owes X at least P's minimum and X passes at least that part of it on to P.
    /// @param secret Commit-reveal secret; ignored when the deployment has commit-reveal off.
    struct Registration {
        bytes32 digest;
        Kind kind;
        DigestScheme scheme;
        string uri;
        Contributor[] contributors;
        bytes32[] parents;
        uint16 upstreamBps;
        uint16 minUpstreamBps;
        bytes32 secret;
    }

    /// @notice The stored facts of an artifact, as views return them.
    struct ArtifactInfo {
        address owner;
        Kind kind;
        DigestScheme scheme;
        uint16 upstreamBps;
        uint16 minUpstreamBps;
        uint8 contributorCount;
        uint8 parentCount;
        bool retracted;
        bool isVersion;
        uint32 totalShares;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Events
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice An artifact was registered and its ownership token minted to `owner`. `commitment` is the
    /// commit-reveal commitment the registration consumed (zero when the deployment has commit-reveal off).
    event ArtifactRegistered(
        bytes32 indexed digest,
        address indexed owner,
        Kind kind,
        DigestScheme scheme,
        string uri,
        Contributor[] contributors,
        bytes32[] parents,
        uint16 upstreamBps,
        uint16 minUpstreamBps,
        bytes32 commitment
    );

    /// @notice `digest` was registered by the owner of `previous` as its next version.
    event VersionLinked(bytes32 indexed previous, bytes32 indexed digest);

    /// @notice The owner changed the metadata URI.
    event URIUpdated(bytes32 indexed digest, string uri);

    /// @notice The owner flagged the artifact as retracted. History stays; rewards already earned stay claimable.
    /// Pools no longer admit it, and upstream flow settled after this no longer reaches it (that part stays with the
    /// child's contributors); an admitted member keeps its weight until the pool's curator removes it.
    event ArtifactRetracted(bytes32 indexed digest, string reason);

    /// @notice Contributor slot `slot` of `digest` moved from `from` to `to`; its share and claims follow it.
    event ContributorSlotMoved(
        bytes32 indexed digest,
        uint256 indexed slot,
        address indexed from,
        address to
    );

    /// @notice A commit-reveal commitment was recorded.
    event Committed(bytes32 indexed commitment, address indexed committer);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Errors
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The digest is zero.
    error ZeroDigest();
    /// @notice `digest` is already registered (owned by `owner`).
    error ArtifactExists(bytes32 digest, address owner);
    /// @notice No artifact has this digest.
    error UnknownArtifact(bytes32 digest);
    /// @notice The contributor list is empty.
    error NoContributors();
    /// @notice More than MAX_CONTRIBUTORS contributors.
    error TooManyContributors(uint256 count, uint256 max);
    /// @notice A contributor account is the zero address (at list position `index`).
    error ZeroContributor(uint256 index);
    /// @notice `account` has a zero share.
    error ZeroShare(address account);
    /// @notice `account` appears twice in the contributor list.
    error DuplicateContributor(address account);
    /// @notice The shares add up to more than a uint32 holds.
    error SharesOverflow(uint256 total);
    /// @notice More than MAX_PARENTS parents.
    error TooManyParents(uint256 count, uint256 max);
    /// @notice A parent is not registered.
    error UnknownParent(bytes32 parent);
    /// @notice A parent appears twice.
    error DuplicateParent(bytes32 parent);
    /// @notice A basis-point value is above 10000.
    error InvalidBps(uint256 bps);
    /// @notice upstreamBps is non-zero but there is no parent to receive it.
    error UpstreamWithoutParents(uint16 upstreamBps);
    /// @notice `parent` requires at least `minUpstreamBps` of a derivative's rewards; its equal part of the
    /// derivative's upstreamBps would be `parentShareBps` (rounded down).
    error UpstreamBelowParentMinimum(bytes32 parent, uint16 minUpstreamBps, uint256 parentShareBps);
    /// @notice A derivative must ask at least `parentMinimum` of its own derivatives, as its parent `parent` does;
    /// it asked `minUpstreamBps`.
    error MinUpstreamBelowParent(bytes32 parent, uint16 parentMinimum, uint16 minUpstreamBps);
    /// @notice The URI is longer than MAX_URI_LENGTH bytes.
    error URITooLong(uint256 length, uint256 max);
    /// @notice `caller` is not the owner of `digest`.
    error NotArtifactOwner(bytes32 digest, address caller);
    /// @notice `digest` is already retracted.
    error AlreadyRetracted(bytes32 digest);
    /// @notice `previous` already has a next version, `next`.
    error VersionExists(bytes32 previous, bytes32 next);
    /// @notice A new version must list the previous version as its first parent.
    error VersionMustExtendPrevious(bytes32 previous);
    /// @notice `slot` is not a contributor slot of `digest`.
    error UnknownSlot(bytes32 digest, uint256 slot);
    /// @notice `caller` does not hold slot `slot` of `digest`.
    error NotSlotHolder(bytes32 digest, uint256 slot, address caller);
    /// @notice A slot cannot move to the zero address.
    error MoveToZeroAddress();
    /// @notice `account` already holds a slot of `digest`.
    error AlreadyContributor(bytes32 digest, address account);
    /// @notice The deployment requires commit-reveal and no commitment matches.
    error CommitmentNotFound(bytes32 commitment);
    /// @notice The commitment becomes usable at `readyAt`.
    error CommitmentTooNew(bytes32 commitment, uint256 readyAt);
    /// @notice The commitment expired at `expiredAt`.
    error CommitmentExpired(bytes32 commitment, uint256 expiredAt);
    /// @notice An unexpired commitment exists; it can be refreshed after `expiresAt`.
    error CommitmentPending(bytes32 commitment, uint256 expiresAt);
    /// @notice The commitment was already revealed.
    error CommitmentUsed(bytes32 commitment);
    /// @notice Commit-reveal is off in this deployment.
    error CommitRevealDisabled();
    /// @notice The commitment age window is invalid (`maxCommitAge` must exceed `minCommitAge`, and be at most
    /// 365 days).
    error InvalidCommitWindow(uint256 minCommitAge, uint256 maxCommitAge);
    /// @notice The signed request expired at `deadline`.
    error SignatureExpired(uint256 deadline);
    /// @notice The signature does not belong to `signer` for this request.
    error InvalidSignature(address signer);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Registration
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Registers an artifact; the caller becomes its owner.
    /// @param registration The digest, kind, URI, contributors, parents and upstream shares.
    function register(Registration calldata registration) external;

    /// @notice Registers `registration` as the next version of `previous`, which must be its first parent.
    /// @dev Only the current owner of `previous`; a version can have one next version.
    function registerVersion(bytes32 previous, Registration calldata registration) external;

    /// @notice Registers on behalf of `registrant`, who signed the EIP-712 `Register` request; the caller pays gas.
    /// @param registration As for `register`.
    /// @param registrant The signer and future owner (an EOA or an EIP-1271 wallet).
    /// @param nonce The registrant's current nonce (`nonces(registrant)`); reverts `InvalidAccountNonce` otherwise.
    /// @param deadline Last timestamp at which the signature is valid.
    /// @param signature A 65-byte ECDSA signature, or the payload an EIP-1271 wallet accepts.
    function registerBySig(
        Registration calldata registration,
        address registrant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Records `commitment = commitmentFor(digest, registrant, secret)` ahead of a registration.
    function commit(bytes32 commitment) external;

    /// @notice The commitment a registrant publishes before revealing `digest`.
    function commitmentFor(
        bytes32 digest,
        address registrant,
        bytes32 secret
    ) external pure returns (bytes32);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Maintenance
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Sets the metadata URI returned by `tokenURI`. Owner only.
    function setURI(bytes32 digest, string calldata uri) external;

    /// @notice Flags the artifact as retracted with a reason. Owner only; cannot be undone.
    function retract(bytes32 digest, string calldata reason) external;

    /// @notice Moves the caller's contributor slot to `newAccount` (lost key, new wallet).
    function moveSlot(bytes32 digest, uint256 slot, address newAccount) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Most contributors one artifact may have.
    function MAX_CONTRIBUTORS() external view returns (uint256);

    /// @notice Most parents one artifact may have.
    function MAX_PARENTS() external view returns (uint256);

    /// @notice Longest URI accepted, in bytes.
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice Least age of a commitment before it can be revealed; 0 means commit-reveal is off.
    function minCommitAge() external view returns (uint256);

    /// @notice Greatest age at which a commitment can still be revealed.
    function maxCommitAge() external view returns (uint256);

    /// @notice Timestamp at which `commitment` was recorded (0 if none; type(uint256).max once used).
    function commitments(bytes32 commitment) external view returns (uint256);

    /// @notice Whether `digest` is registered.
    function exists(bytes32 digest) external view returns (bool);

    /// @notice The stored facts of `digest`; reverts `UnknownArtifact` if it is not registered.
    function artifact(bytes32 digest) external view returns (ArtifactInfo memory);

    /// @notice The contributor slots of `digest`, in slot order.
    function contributors(bytes32 digest) external view returns (Contributor[] memory);

    /// @notice Slot `slot` of `digest` and the artifact's total shares; reverts `UnknownSlot` past the end.
    function contributorAt(
        bytes32 digest,
        uint256 slot
    ) external view returns (address account, uint32 share, uint32 totalShares);

    /// @notice Holder and share of slot `slot` of `digest`; zero values past the end or for unknown artifacts.
    /// @dev One storage read: the hot path of reward claims.
    function slotHolder(bytes32 digest, uint256 slot) external view returns (address account, uint32 share);

    /// @notice What a reward pool needs of `digest`, without reverting for unknown digests.
    /// @return registered Whether the digest is registered.
    /// @return retracted Whether its owner retracted it.
    /// @return upstreamBps Part of its rewards that flows to its parents.
    /// @return totalShares Sum of its contributors' shares.
    function economics(
        bytes32 digest
    ) external view returns (bool registered, bool retracted, uint16 upstreamBps, uint32 totalShares);

    /// @notice Share held by `account` in `digest` (0 if none).
    function shareOf(bytes32 digest, address account) external view returns (uint32);

    /// @notice The slot `account` holds in `digest`; `found` is false if it holds none.
    function slotOf(bytes32 digest, address account) external view returns (bool found, uint256 slot);

    /// @notice Sum of the shares of `digest`.
    function totalShares(bytes32 digest) external view returns (uint32);

    /// @notice Parents of `digest`, in registration order.
    function parentsOf(bytes32 digest) external view returns (bytes32[] memory);

    /// @notice Parents of `digest`, in registration order, and whether each is retracted now.
    /// @dev One call for what reward pools need at each upstream step; zero-length for unknown digests.
    function lineage(
        bytes32 digest
    ) external view returns (bytes32[] memory parents, bool[] memory retracted);

    /// @notice The version `digest` extends (zero if it is not a version).
    function previousVersion(bytes32 digest) external view returns (bytes32);

    /// @notice The version registered right after `digest` (zero if none).
    function nextVersion(bytes32 digest) external view returns (bytes32);

    /// @notice The newest version reachable from `digest` by following next versions (`digest` itself if none).
    /// @dev Constant cost: the registry keeps the head of every version chain.
    function latestVersion(bytes32 digest) external view returns (bytes32);

    /// @notice Current nonce of `signer` for `registerBySig`.
    function nonces(address signer) external view returns (uint256);
}
