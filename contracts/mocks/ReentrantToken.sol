// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test-only ERC-20 whose transfer and transferFrom first call a configured target with configured calldata
/// (e.g. `pools.claim` or `pools.fund`), then move the funds. The call's outcome is recorded, or bubbled up.
contract ReentrantToken is ERC20 {
    /// @notice Contract the hook calls; zero disables the hook.
    address public hookTarget;
    /// @notice Calldata the hook sends.
    bytes public hookData;
    /// @notice Whether a failed hook call reverts the transfer with the same revert data.
    bool public bubble;
    /// @notice Whether the last hook call succeeded.
    bool public lastHookSuccess;
    /// @notice Return or revert data of the last hook call.
    bytes public lastHookResult;
    /// @notice Number of hook calls made.
    uint256 public hookCalls;

    bool private _inHook;

    constructor() ERC20("Reentrant", "REENT") {}

    /// @notice Mints `amount` to `to`; anyone may call.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook: every transfer calls `target` with `data` first; `bubble_` reverts on its failure.
    function setHook(address target, bytes calldata data, bool bubble_) external {
        hookTarget = target;
        hookData = data;
        bubble = bubble_;
    }

    /// @inheritdoc ERC20
    function transfer(address to, uint256 value) public override returns (bool) {
        _hook();
        return super.transfer(to, value);
    }

    /// @inheritdoc ERC20
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _hook();
        return super.transferFrom(from, to, value);
    }

    function _hook() private {
        if (hookTarget == address(0) || _inHook) return;
        _inHook = true;
        (bool success, bytes memory result) = hookTarget.call(hookData);
        _inHook = false;
        ++hookCalls;
        lastHookSuccess = success;
        lastHookResult = result;
        if (!success && bubble) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
