// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title CommunityToken
/// @notice A plain ERC-20 with ERC-2612 permit for local and test networks: the whole supply goes to `holder`.
/// @dev Not meant for production: communities fund pools with the token they already use.
contract CommunityToken is ERC20, ERC20Permit {
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param holder Receives the whole supply.
    /// @param supply Total supply, in token units (18 decimals).
    constructor(
        string memory name_,
        string memory symbol_,
        address holder,
        uint256 supply
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        _mint(holder, supply);
    }
}
