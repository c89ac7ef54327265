// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MockMulticall3
/// @notice Test stand-in for the Multicall3 aggregator deployed at 0xcA11bde05977b3631167028862bE2a173976CA11 on
/// most EVM chains: only `aggregate3`, with the same selector, types and semantics, so the SDK's batched claims run
/// unchanged against either. Written for this project; it is not the Multicall3 source.
/// @dev The calls run with this contract as `msg.sender`, so only permissionless functions belong in a batch
/// (`RewardPools.claimFor`, `ScoredPrograms.claim`: both pay the account itself). A failing call that does not allow
/// failure reverts the whole batch: with the call's own revert data when `bubbleRevertData`, else (as the canonical
/// Multicall3 does with its string) with the aggregator's own error, which hides the call's.
contract MockMulticall3 {
    /// @notice Call `index` failed (only when revert data is not passed through).
    error CallFailed(uint256 index);

    /// @notice Whether a failed call's own revert data is passed through.
    bool public immutable bubbleRevertData;

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// @param bubbleRevertData_ Pass a failed call's own revert data through (true) or hide it (false).
    constructor(bool bubbleRevertData_) {
        bubbleRevertData = bubbleRevertData_;
    }

    /// @notice Calls each `calls[i].target` with `calls[i].callData`, in order.
    /// @return returnData Per call: whether it succeeded and what it returned (or its revert data).
    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i; i < calls.length; ++i) {
            Call3 calldata c = calls[i];
            // solhint-disable-next-line avoid-low-level-calls
            (bool success, bytes memory data) = c.target.call(c.callData);
            if (!success && !c.allowFailure) {
                if (!bubbleRevertData) revert CallFailed(i);
                assembly ("memory-safe") {
                    revert(add(data, 0x20), mload(data))
                }
            }
            returnData[i] = Result(success, data);
        }
    }
}
