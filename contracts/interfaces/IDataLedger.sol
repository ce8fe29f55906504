// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "./IDataRegistry.sol";
import {IFormatRegistry} from "./IFormatRegistry.sol";
import {ILedgerRoles} from "./ILedgerRoles.sol";
import {ISourceRegistry} from "./ISourceRegistry.sol";

/// @title IDataLedger
/// @notice The blockchain-based data processing FE of Y.4561 (clauses 7.1.2, 8.2): roles, source
/// registry, format registry and data registry in one contract, so a submission authenticates its
/// source, checks its format and records the data without external calls.
interface IDataLedger is IDataRegistry, ISourceRegistry, IFormatRegistry, ILedgerRoles {}
