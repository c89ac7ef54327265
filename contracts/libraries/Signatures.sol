// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title Signatures
/// @notice The one rule both `registerBySig` and `claimBySig` use to accept a signer's signature.
library Signatures {
    /// @notice Whether `signature` over `hash` is `signer`'s: an ECDSA signature by the signer's key, or else an
    /// EIP-1271 wallet at `signer` that accepts it.
    /// @dev ECDSA first, EIP-1271 only if that fails (OpenZeppelin's `isValidSignatureNow` checks for code first): an
    /// EOA signer then pays no EXTCODESIZE on its cold account, 2,600 gas. Nobody holds the key of a contract's
    /// address, so trying ECDSA on a contract wallet admits no other signer; an EIP-7702 account's own key controls
    /// it either way.
    function isValidNowCalldata(
        address signer,
        bytes32 hash,
        bytes calldata signature
    ) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError recoverError, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (recoverError == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return SignatureChecker.isValidERC1271SignatureNowCalldata(signer, hash, signature);
    }
}
