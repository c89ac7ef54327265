// SPDX-License-Identifier: MIT
// Import shim: EAS compiles from its npm package with its own compiler (0.8.29), for the benchmark only.
pragma solidity 0.8.29;

import "@ethereum-attestation-service/eas-contracts/contracts/SchemaRegistry.sol";
import "@ethereum-attestation-service/eas-contracts/contracts/EAS.sol";
