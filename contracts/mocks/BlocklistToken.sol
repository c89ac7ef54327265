// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title BlocklistToken
/// @notice Test-only ERC-20 (USDC-style): the owner blocklists addresses; transfers from or to them revert.
contract BlocklistToken is ERC20, Ownable {
    /// @notice `account` is blocklisted.
    error Blocklisted(address account);

    /// @notice Whether `account` is blocklisted.
    mapping(address account => bool blocked) public blocklisted;

    constructor() ERC20("Blocklist", "BLOCK") Ownable(msg.sender) {}

    /// @notice Mints `amount` to `to`; anyone may call.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Adds or removes `account` from the blocklist. Owner only.
    function setBlocklisted(address account, bool blocked) external onlyOwner {
        blocklisted[account] = blocked;
    }

    /// @dev Any movement from or to a blocklisted address reverts.
    function _update(address from, address to, uint256 value) internal override {
        if (blocklisted[from]) revert Blocklisted(from);
        if (blocklisted[to]) revert Blocklisted(to);
        super._update(from, to, value);
    }
}
