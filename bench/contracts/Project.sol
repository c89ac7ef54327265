// SPDX-License-Identifier: MIT
// The project's contracts, compiled into bench/artifacts with the main build's settings.
pragma solidity ^0.8.0;

import "../../contracts/KnowledgeRegistry.sol";
import "../../contracts/RewardPools.sol";
import "../../contracts/CommunityToken.sol";
