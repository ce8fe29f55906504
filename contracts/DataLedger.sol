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
    /// @param admin Holder of DEFAULT_ADMIN_ROLE: administers operators and supervisors.
    constructor(address admin) LedgerRoles(admin) EIP712("DataLedger", "1") {}
}
