// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRewardPools} from "../interfaces/IRewardPools.sol";

/// @title PoolsInspector
/// @notice Test-only lens: a pool's view, its token balance and many `claimableBySlot` values in one call.
contract PoolsInspector {
    /// @notice Reads `pools.pool(poolId)`, the pools' balance of its token, `claimableBySlot` of every target and
    /// the timestamp they were read at.
    function inspect(
        IRewardPools pools,
        uint256 poolId,
        IRewardPools.ClaimTarget[] calldata targets
    )
        external
        view
        returns (
            IRewardPools.PoolView memory view_,
            uint256 balance,
            uint256[] memory claimables,
            uint256 timestamp
        )
    {
        timestamp = block.timestamp;
        view_ = pools.pool(poolId);
        balance = view_.token.balanceOf(address(pools));
        claimables = new uint256[](targets.length);
        for (uint256 i; i < targets.length; ++i) {
            claimables[i] = pools.claimableBySlot(poolId, targets[i].artifact, targets[i].slot);
        }
    }
}
