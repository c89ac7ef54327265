// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PoolMath
/// @notice The reward arithmetic of RewardPools, pure so it can be read and tested on its own.
/// @dev Every rounding goes against the payee: the pool never promises more than it holds.
library PoolMath {
    /// @notice Fixed point of the pool index: 2^40 keeps sub-wei precision for pools of up to ~2^32 total weight
    /// while a uint168 index still covers 2^128 token units per unit of weight.
    uint256 internal constant SCALE = 1 << 40;
    /// @notice Fixed point of stream rates: a rate rounded down loses under 2^-32 of a unit per second, under 1/16
    /// of a unit over the longest stream (2^28 s), and the stream's end releases exactly that loss.
    uint256 internal constant RATE_SCALE = 1 << 32;
    uint256 internal constant MAX_BPS = 10_000;

    /// @notice The rate of a stream of `amount` over `duration` seconds, and what that rounded-down rate leaves
    /// unreleased at the end (`dust < duration`), both in token units times RATE_SCALE.
    function streamRate(uint256 amount, uint256 duration) internal pure returns (uint256 rate, uint256 dust) {
        rate = (amount * RATE_SCALE) / duration;
        dust = amount * RATE_SCALE - rate * duration;
    }

    /// @notice Splits `amount` over `totalWeight` units of weight.
    /// @return indexDelta Scaled rewards per unit of weight, rounded down.
    /// @return leftover Token units the rounding kept back, to carry into the next distribution.
    function distribute(
        uint256 amount,
        uint256 totalWeight
    ) internal pure returns (uint256 indexDelta, uint256 leftover) {
        if (totalWeight == 0) return (0, amount);
        indexDelta = Math.mulDiv(amount, SCALE, totalWeight);
        // Rounding the consumed amount up keeps every promised fraction backed by a whole token unit.
        uint256 consumed = Math.mulDiv(indexDelta, totalWeight, SCALE, Math.Rounding.Ceil);
        leftover = amount - consumed;
    }

    /// @notice Splits a scaled amount earned by an artifact into the part that flows to its parents and the rest.
    function splitUpstream(
        uint256 scaledAmount,
        uint256 upstreamBps
    ) internal pure returns (uint256 upstream, uint256 kept) {
        upstream = (scaledAmount * upstreamBps) / MAX_BPS;
        kept = scaledAmount - upstream;
    }

    /// @notice Parent `i`'s part of `outflow` shared by `count` parents: equal parts, the remainder to the first.
    function parentPart(uint256 outflow, uint256 count, uint256 i) internal pure returns (uint256) {
        uint256 part = outflow / count;
        return i == 0 ? outflow - part * (count - 1) : part;
    }

    /// @notice Token units owed to a slot holding `share` of `totalShares`, out of an artifact's scaled earnings.
    function entitlement(
        uint256 earnedScaled,
        uint256 share,
        uint256 totalShares
    ) internal pure returns (uint256) {
        return Math.mulDiv(earnedScaled, share, totalShares * SCALE);
    }
}
