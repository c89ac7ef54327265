// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IKnowledgeRegistry} from "./interfaces/IKnowledgeRegistry.sol";
import {Signatures} from "./libraries/Signatures.sol";

/// @title KnowledgeRegistry
/// @notice Registers knowledge artifacts by content digest, with contributors, lineage and ERC-721 ownership.
/// @dev Storage is shaped for the common registration: the owner and every fixed fact of an artifact share one
/// slot (the ERC-721 owner lives there instead of in OpenZeppelin's `_owners`), and each contributor takes one
/// slot. Metadata URIs are emitted, and stored only when the owner sets one with `setURI`.
contract KnowledgeRegistry is IKnowledgeRegistry, ERC721, EIP712, Nonces, Multicall {
    using Strings for uint256;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Constants and configuration
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IKnowledgeRegistry
    uint256 public constant MAX_CONTRIBUTORS = 64;
    /// @inheritdoc IKnowledgeRegistry
    uint256 public constant MAX_PARENTS = 16;
    /// @inheritdoc IKnowledgeRegistry
    uint256 public constant MAX_URI_LENGTH = 1024;

    uint256 private constant MAX_BPS = 10_000;
    uint256 private constant COMMITMENT_USED = type(uint256).max;
    uint256 private constant MAX_COMMIT_AGE = 365 days;
    uint8 private constant FLAG_RETRACTED = 1;
    uint8 private constant FLAG_VERSION = 2;
    /// @dev The digest scheme lives in flag bits 2-3.
    uint8 private constant SCHEME_SHIFT = 2;
    uint8 private constant SCHEME_MASK = 3;

    bytes32 private constant CONTRIBUTOR_TYPEHASH = keccak256("Contributor(address account,uint32 share)");
    bytes32 private constant REGISTER_TYPEHASH = keccak256(
        "Register(bytes32 digest,uint8 kind,uint8 scheme,string uri,Contributor[] contributors,bytes32[] parents,"
        "uint16 upstreamBps,uint16 minUpstreamBps,bytes32 secret,address registrant,uint256 nonce,"
        "uint256 deadline)Contributor(address account,uint32 share)"
    );

    /// @inheritdoc IKnowledgeRegistry
    uint256 public immutable minCommitAge;
    /// @inheritdoc IKnowledgeRegistry
    uint256 public immutable maxCommitAge;

    /// @dev Prefix of `tokenURI` for artifacts whose owner has not stored a URI.
    string private _baseTokenURI;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Storage
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev One slot: read together by ownership checks, pools and views.
    struct Record {
        address owner;
        Kind kind;
        uint16 upstreamBps;
        uint16 minUpstreamBps;
        uint8 contributorCount;
        uint8 parentCount;
        uint8 flags;
        uint32 totalShares;
    }

    mapping(bytes32 digest => Record record) private _records;
    mapping(bytes32 digest => mapping(uint256 slot => Contributor contributor)) private _contributors;
    mapping(bytes32 digest => mapping(uint256 index => bytes32 parent)) private _parents;
    mapping(bytes32 digest => bytes32 next) private _nextVersions;
    /// @dev First artifact of a version's chain (set for versions only), and the newest version of each chain.
    mapping(bytes32 version => bytes32 root) private _versionRoots;
    mapping(bytes32 root => bytes32 head) private _latestVersions;
    mapping(bytes32 digest => string uri) private _storedURIs;
    mapping(address owner => uint256 count) private _artifactCounts;

    /// @inheritdoc IKnowledgeRegistry
    mapping(bytes32 commitment => uint256 timestamp) public commitments;

    /// @param minCommitAge_ Least commitment age before a reveal; 0 turns commit-reveal off.
    /// @param maxCommitAge_ Greatest commitment age at reveal; must exceed `minCommitAge_` when that is non-zero.
    /// @param baseTokenURI_ Prefix of `tokenURI` (followed by the digest in hex) when no URI is stored.
    constructor(
        uint256 minCommitAge_,
        uint256 maxCommitAge_,
        string memory baseTokenURI_
    ) ERC721("Knowledge Commons Artifact", "KCA") EIP712("KnowledgeRegistry", "1") {
        // Bounded so `committedAt + maxCommitAge` can never overflow and lock every registration.
        if (minCommitAge_ != 0 && (maxCommitAge_ <= minCommitAge_ || maxCommitAge_ > MAX_COMMIT_AGE)) {
            revert InvalidCommitWindow(minCommitAge_, maxCommitAge_);
        }
        minCommitAge = minCommitAge_;
        maxCommitAge = maxCommitAge_;
        _baseTokenURI = baseTokenURI_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Registration
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IKnowledgeRegistry
    function register(Registration calldata registration) external {
        _register(registration, msg.sender, 0);
    }

    /// @inheritdoc IKnowledgeRegistry
    function registerVersion(bytes32 previous, Registration calldata registration) external {
        Record storage previousRecord = _requireOwner(previous);
        if (registration.parents.length == 0 || registration.parents[0] != previous) {
            revert VersionMustExtendPrevious(previous);
        }
        bytes32 existing = _nextVersions[previous];
        if (existing != bytes32(0)) revert VersionExists(previous, existing);
        _nextVersions[previous] = registration.digest;
        bytes32 root = previousRecord.flags & FLAG_VERSION != 0 ? _versionRoots[previous] : previous;
        _versionRoots[registration.digest] = root;
        _latestVersions[root] = registration.digest;
        _register(registration, msg.sender, FLAG_VERSION);
        emit VersionLinked(previous, registration.digest);
    }

    /// @inheritdoc IKnowledgeRegistry
    function registerBySig(
        Registration calldata registration,
        address registrant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        _useCheckedNonce(registrant, nonce);
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTER_TYPEHASH,
                registration.digest,
                registration.kind,
                registration.scheme,
                keccak256(bytes(registration.uri)),
                _hashContributors(registration.contributors),
                keccak256(abi.encodePacked(registration.parents)),
                registration.upstreamBps,
                registration.minUpstreamBps,
                registration.secret,
                registrant,
                nonce,
                deadline
            )
        );
        if (!Signatures.isValidNowCalldata(registrant, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(registrant);
        }
        _register(registration, registrant, 0);
    }

    /// @inheritdoc IKnowledgeRegistry
    function commit(bytes32 commitment) external {
        if (minCommitAge == 0) revert CommitRevealDisabled();
        uint256 committedAt = commitments[commitment];
        if (committedAt == COMMITMENT_USED) revert CommitmentUsed(commitment);
        // An attacker must not be able to keep a victim's commitment forever fresh, so only expired ones refresh.
        if (committedAt != 0 && block.timestamp <= committedAt + maxCommitAge) {
            revert CommitmentPending(commitment, committedAt + maxCommitAge);
        }
        commitments[commitment] = block.timestamp;
        emit Committed(commitment, msg.sender);
    }

    /// @inheritdoc IKnowledgeRegistry
    function commitmentFor(bytes32 digest, address registrant, bytes32 secret) public pure returns (bytes32) {
        return keccak256(abi.encode(digest, registrant, secret));
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Maintenance
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IKnowledgeRegistry
    function setURI(bytes32 digest, string calldata uri) external {
        _requireOwner(digest);
        _checkURI(uri);
        _storedURIs[digest] = uri;
        emit URIUpdated(digest, uri);
    }

    /// @inheritdoc IKnowledgeRegistry
    function retract(bytes32 digest, string calldata reason) external {
        Record storage record = _requireOwner(digest);
        if (record.flags & FLAG_RETRACTED != 0) revert AlreadyRetracted(digest);
        record.flags |= FLAG_RETRACTED;
        emit ArtifactRetracted(digest, reason);
    }

    /// @inheritdoc IKnowledgeRegistry
    function moveSlot(bytes32 digest, uint256 slot, address newAccount) external {
        uint256 count = _requireRecord(digest).contributorCount;
        if (slot >= count) revert UnknownSlot(digest, slot);
        Contributor storage contributor = _contributors[digest][slot];
        if (contributor.account != msg.sender) revert NotSlotHolder(digest, slot, msg.sender);
        if (newAccount == address(0)) revert MoveToZeroAddress();
        for (uint256 i; i < count; ++i) {
            if (_contributors[digest][i].account == newAccount) revert AlreadyContributor(digest, newAccount);
        }
        contributor.account = newAccount;
        emit ContributorSlotMoved(digest, slot, msg.sender, newAccount);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IKnowledgeRegistry
    function exists(bytes32 digest) external view returns (bool) {
        return _records[digest].owner != address(0);
    }

    /// @inheritdoc IKnowledgeRegistry
    function artifact(bytes32 digest) external view returns (ArtifactInfo memory) {
        Record memory record = _requireRecord(digest);
        return
            ArtifactInfo({
                owner: record.owner,
                kind: record.kind,
                scheme: DigestScheme((record.flags >> SCHEME_SHIFT) & SCHEME_MASK),
                upstreamBps: record.upstreamBps,
                minUpstreamBps: record.minUpstreamBps,
                contributorCount: record.contributorCount,
                parentCount: record.parentCount,
                retracted: record.flags & FLAG_RETRACTED != 0,
                isVersion: record.flags & FLAG_VERSION != 0,
                totalShares: record.totalShares
            });
    }

    /// @inheritdoc IKnowledgeRegistry
    function contributors(bytes32 digest) external view returns (Contributor[] memory list) {
        uint256 count = _requireRecord(digest).contributorCount;
        list = new Contributor[](count);
        for (uint256 i; i < count; ++i) {
            list[i] = _contributors[digest][i];
        }
    }

    /// @inheritdoc IKnowledgeRegistry
    function contributorAt(
        bytes32 digest,
        uint256 slot
    ) external view returns (address account, uint32 share, uint32 totalShares_) {
        Record storage record = _records[digest];
        if (slot >= record.contributorCount) revert UnknownSlot(digest, slot);
        Contributor storage contributor = _contributors[digest][slot];
        return (contributor.account, contributor.share, record.totalShares);
    }

    /// @inheritdoc IKnowledgeRegistry
    function slotHolder(bytes32 digest, uint256 slot) external view returns (address account, uint32 share) {
        // Slots past the end were never written, so they read as zero without a bounds check.
        Contributor storage contributor = _contributors[digest][slot];
        return (contributor.account, contributor.share);
    }

    /// @inheritdoc IKnowledgeRegistry
    function economics(
        bytes32 digest
    ) external view returns (bool registered, bool retracted, uint16 upstreamBps, uint32 totalShares_) {
        Record storage record = _records[digest];
        return (
            record.owner != address(0),
            record.flags & FLAG_RETRACTED != 0,
            record.upstreamBps,
            record.totalShares
        );
    }

    /// @inheritdoc IKnowledgeRegistry
    function shareOf(bytes32 digest, address account) external view returns (uint32) {
        (bool found, uint256 slot) = slotOf(digest, account);
        return found ? _contributors[digest][slot].share : 0;
    }

    /// @inheritdoc IKnowledgeRegistry
    function slotOf(bytes32 digest, address account) public view returns (bool found, uint256 slot) {
        uint256 count = _records[digest].contributorCount;
        for (uint256 i; i < count; ++i) {
            if (_contributors[digest][i].account == account) return (true, i);
        }
        return (false, 0);
    }

    /// @inheritdoc IKnowledgeRegistry
    function totalShares(bytes32 digest) external view returns (uint32) {
        return _requireRecord(digest).totalShares;
    }

    /// @inheritdoc IKnowledgeRegistry
    function parentsOf(bytes32 digest) external view returns (bytes32[] memory list) {
        uint256 count = _requireRecord(digest).parentCount;
        list = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            list[i] = _parents[digest][i];
        }
    }

    /// @inheritdoc IKnowledgeRegistry
    function lineage(
        bytes32 digest
    ) external view returns (bytes32[] memory parents, bool[] memory retracted) {
        uint256 count = _records[digest].parentCount;
        parents = new bytes32[](count);
        retracted = new bool[](count);
        for (uint256 i; i < count; ++i) {
            bytes32 parent = _parents[digest][i];
            parents[i] = parent;
            retracted[i] = _records[parent].flags & FLAG_RETRACTED != 0;
        }
    }

    /// @inheritdoc IKnowledgeRegistry
    function previousVersion(bytes32 digest) external view returns (bytes32) {
        // A version's first parent is, by construction, the version it extends.
        return _requireRecord(digest).flags & FLAG_VERSION != 0 ? _parents[digest][0] : bytes32(0);
    }

    /// @inheritdoc IKnowledgeRegistry
    function nextVersion(bytes32 digest) external view returns (bytes32) {
        return _nextVersions[digest];
    }

    /// @inheritdoc IKnowledgeRegistry
    function latestVersion(bytes32 digest) external view returns (bytes32) {
        bytes32 root = _requireRecord(digest).flags & FLAG_VERSION != 0 ? _versionRoots[digest] : digest;
        bytes32 head = _latestVersions[root];
        return head == bytes32(0) ? digest : head;
    }

    /// @inheritdoc IKnowledgeRegistry
    function nonces(address signer) public view override(IKnowledgeRegistry, Nonces) returns (uint256) {
        return super.nonces(signer);
    }

    /// @notice The stored URI if the owner set one, else the base URI followed by the digest in hex.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        string memory stored = _storedURIs[bytes32(tokenId)];
        if (bytes(stored).length != 0) return stored;
        return string.concat(_baseTokenURI, tokenId.toHexString(32));
    }

    /// @notice Number of artifacts `owner` holds.
    function balanceOf(address owner) public view override returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _artifactCounts[owner];
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  Internals
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    function _register(Registration calldata registration, address registrant, uint8 flags) private {
        bytes32 digest = registration.digest;
        if (digest == bytes32(0)) revert ZeroDigest();
        address existingOwner = _records[digest].owner;
        if (existingOwner != address(0)) revert ArtifactExists(digest, existingOwner);
        _checkURI(registration.uri);
        bytes32 commitment;
        if (minCommitAge != 0) {
            commitment = commitmentFor(digest, registrant, registration.secret);
            _useCommitment(commitment);
        }

        uint16 upstreamBps = registration.upstreamBps;
        if (upstreamBps > MAX_BPS) revert InvalidBps(upstreamBps);
        if (registration.minUpstreamBps > MAX_BPS) revert InvalidBps(registration.minUpstreamBps);
        uint32 total = _storeContributors(digest, registration.contributors);
        uint256 parentCount = _storeParents(
            digest,
            registration.parents,
            upstreamBps,
            registration.minUpstreamBps
        );

        _records[digest] = Record({
            owner: registrant,
            kind: registration.kind,
            upstreamBps: upstreamBps,
            minUpstreamBps: registration.minUpstreamBps,
            // Both counts are bounded by MAX_CONTRIBUTORS and MAX_PARENTS, far below 256.
            contributorCount: uint8(registration.contributors.length),
            parentCount: uint8(parentCount),
            flags: flags | (uint8(registration.scheme) << SCHEME_SHIFT),
            totalShares: total
        });
        // Bounded by the number of digests one account can register; cannot reach 2^256.
        unchecked {
            ++_artifactCounts[registrant];
        }
        emit Transfer(address(0), registrant, uint256(digest));
        _emitRegistered(registration, registrant, commitment);
    }

    /// @dev Its own frame: the event's ten fields do not fit the registration's stack.
    function _emitRegistered(
        Registration calldata registration,
        address registrant,
        bytes32 commitment
    ) private {
        emit ArtifactRegistered(
            registration.digest,
            registrant,
            registration.kind,
            registration.scheme,
            registration.uri,
            registration.contributors,
            registration.parents,
            registration.upstreamBps,
            registration.minUpstreamBps,
            commitment
        );
    }

    function _storeContributors(bytes32 digest, Contributor[] calldata list) private returns (uint32) {
        uint256 count = list.length;
        if (count == 0) revert NoContributors();
        if (count > MAX_CONTRIBUTORS) revert TooManyContributors(count, MAX_CONTRIBUTORS);
        uint256 total;
        for (uint256 i; i < count; ++i) {
            Contributor calldata contributor = list[i];
            address account = contributor.account;
            if (account == address(0)) revert ZeroContributor(i);
            if (contributor.share == 0) revert ZeroShare(account);
            // Quadratic, but over at most 64 calldata entries: cheaper than any storage-backed set.
            for (uint256 j; j < i; ++j) {
                if (list[j].account == account) revert DuplicateContributor(account);
            }
            total += contributor.share;
            _contributors[digest][i] = contributor;
        }
        if (total > type(uint32).max) revert SharesOverflow(total);
        return uint32(total);
    }

    function _storeParents(
        bytes32 digest,
        bytes32[] calldata parents,
        uint16 upstreamBps,
        uint16 minUpstreamBps
    ) private returns (uint256 count) {
        count = parents.length;
        if (count > MAX_PARENTS) revert TooManyParents(count, MAX_PARENTS);
        if (count == 0 && upstreamBps != 0) revert UpstreamWithoutParents(upstreamBps);
        for (uint256 i; i < count; ++i) {
            bytes32 parent = parents[i];
            Record storage parentRecord = _records[parent];
            if (parentRecord.owner == address(0)) revert UnknownParent(parent);
            uint16 minimum = parentRecord.minUpstreamBps;
            // Parents share upstreamBps equally, so the minimum holds for each parent's part, not the total:
            // padding the list with one's own artifacts cannot dilute what a parent asked for.
            if (uint256(upstreamBps) < uint256(minimum) * count) {
                revert UpstreamBelowParentMinimum(parent, minimum, upstreamBps / count);
            }
            // The minimum propagates, so a wrapper with a tiny minimum cannot launder it away.
            if (minUpstreamBps < minimum) revert MinUpstreamBelowParent(parent, minimum, minUpstreamBps);
            for (uint256 j; j < i; ++j) {
                if (parents[j] == parent) revert DuplicateParent(parent);
            }
            _parents[digest][i] = parent;
        }
    }

    function _useCommitment(bytes32 commitment) private {
        uint256 committedAt = commitments[commitment];
        if (committedAt == 0) revert CommitmentNotFound(commitment);
        if (committedAt == COMMITMENT_USED) revert CommitmentUsed(commitment);
        if (block.timestamp < committedAt + minCommitAge) {
            revert CommitmentTooNew(commitment, committedAt + minCommitAge);
        }
        if (block.timestamp > committedAt + maxCommitAge) {
            revert CommitmentExpired(commitment, committedAt + maxCommitAge);
        }
        commitments[commitment] = COMMITMENT_USED;
    }

    function _hashContributors(Contributor[] calldata list) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](list.length);
        for (uint256 i; i < list.length; ++i) {
            hashes[i] = keccak256(abi.encode(CONTRIBUTOR_TYPEHASH, list[i].account, list[i].share));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    function _checkURI(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert URITooLong(bytes(uri).length, MAX_URI_LENGTH);
    }

    function _requireRecord(bytes32 digest) private view returns (Record storage record) {
        record = _records[digest];
        if (record.owner == address(0)) revert UnknownArtifact(digest);
    }

    function _requireOwner(bytes32 digest) private view returns (Record storage record) {
        record = _requireRecord(digest);
        if (record.owner != msg.sender) revert NotArtifactOwner(digest, msg.sender);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
    //  ERC-721 storage: the owner lives in the artifact's record
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────────────

    function _ownerOf(uint256 tokenId) internal view override returns (address) {
        return _records[bytes32(tokenId)].owner;
    }

    /// @dev Transfers only: registration writes the whole record at once, and artifacts are never burned. The
    /// only callers are OpenZeppelin's `transferFrom`/`safeTransferFrom`, which pass the spender as `auth` and
    /// reject a zero `to` first; `_checkAuthorized` rejects unknown tokens.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        Record storage record = _records[bytes32(tokenId)];
        from = record.owner;
        _checkAuthorized(from, auth, tokenId);
        _approve(address(0), tokenId, address(0), false);
        // A holder's count is at least 1 while it owns this token, and no count can reach 2^256.
        unchecked {
            --_artifactCounts[from];
            ++_artifactCounts[to];
        }
        record.owner = to;
        emit Transfer(from, to, tokenId);
    }
}
