// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RevertOnZeroTransferToken
/// @notice Test-only ERC-20 that reverts any transfer or transferFrom of 0 (as LEND and some others do).
contract RevertOnZeroTransferToken is ERC20 {
    /// @notice A transfer of zero tokens was attempted.
    error ZeroTransfer();

    constructor() ERC20("Revert On Zero", "ROZ") {}

    /// @notice Mints `amount` to `to`; anyone may call.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Mints and burns pass; zero-value transfers between accounts revert.
    function _update(address from, address to, uint256 value) internal override {
        if (value == 0 && from != address(0) && to != address(0)) revert ZeroTransfer();
        super._update(from, to, value);
    }
}
