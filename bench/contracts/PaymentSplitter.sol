// SPDX-License-Identifier: MIT
// Import shim: OpenZeppelin 4.9 PaymentSplitter from the `oz-contracts-4.9` npm alias, for the benchmark only.
pragma solidity ^0.8.0;

import "oz-contracts-4.9/finance/PaymentSplitter.sol";
