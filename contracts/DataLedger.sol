// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IDataLedger} from "./interfaces/IDataLedger.sol";
import {DataRegistry} from "./DataRegistry.sol";
import {LedgerRoles} from "./LedgerRoles.sol";

/// @title DataLedger
/// @notice The blockchain-based data processing FE of ITU-T Y.4561: roles, sources, formats,
/// records and data blocks in one contract (see IDataLedger for why one).
/// @custom:security-contact security@dataledger.invalid
contract DataLedger is IDataLedger, DataRegistry {
    /// @param admin Holder of DEFAULT_ADMIN_ROLE: administers operators and supervisors; not zero.
    /// @param adminDelay Seconds between scheduling a default admin transfer and its acceptance
    /// (deployments use 2 days; see ILedgerRoles).
    constructor(address admin, uint48 adminDelay) LedgerRoles(admin, adminDelay) EIP712("DataLedger", "1") {}
}
