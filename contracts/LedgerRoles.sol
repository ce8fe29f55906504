// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {ILedgerRoles} from "./interfaces/ILedgerRoles.sol";

/// @title LedgerRoles
/// @notice Roles of the Y.4561 actors and the emergency pause, shared by the ledger's modules.
abstract contract LedgerRoles is ILedgerRoles, AccessControlDefaultAdminRules, Pausable {
    /// @inheritdoc ILedgerRoles
    bytes32 public constant SOURCE_ROLE = keccak256("SOURCE_ROLE");
    /// @inheritdoc ILedgerRoles
    bytes32 public constant USER_ROLE = keccak256("USER_ROLE");
    /// @inheritdoc ILedgerRoles
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @inheritdoc ILedgerRoles
    bytes32 public constant SUPERVISOR_ROLE = keccak256("SUPERVISOR_ROLE");
    /// @inheritdoc ILedgerRoles
    bytes32 public constant GATEWAY_ROLE = keccak256("GATEWAY_ROLE");

    mapping(bytes32 role => mapping(address account => uint64 epoch)) private _roleEpochs;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE, which administers operators and supervisors; not zero.
    /// @param adminDelay Seconds a default admin transfer (or renouncement) waits between being
    /// scheduled and being accepted.
    constructor(address admin, uint48 adminDelay) AccessControlDefaultAdminRules(adminDelay, admin) {
        _setRoleAdmin(USER_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(GATEWAY_ROLE, OPERATOR_ROLE);
        _setRoleAdmin(SOURCE_ROLE, OPERATOR_ROLE);
    }

    /// @inheritdoc ILedgerRoles
    function pause() external {
        if (!hasRole(OPERATOR_ROLE, msg.sender) && !hasRole(SUPERVISOR_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, OPERATOR_ROLE);
        }
        _pause();
    }

    /// @inheritdoc ILedgerRoles
    function unpause() external onlyRole(OPERATOR_ROLE) {
        _unpause();
    }

    /// @inheritdoc IAccessControl
    /// @dev SOURCE_ROLE is answered by the source registry.
    function hasRole(bytes32 role, address account) public view override(AccessControl, IAccessControl) returns (bool) {
        if (role == SOURCE_ROLE) return _isActiveSourceKey(account);
        return super.hasRole(role, account);
    }

    /// @inheritdoc IAccessControl
    function grantRole(bytes32 role, address account) public override(AccessControlDefaultAdminRules, IAccessControl) {
        _rejectSourceRole(role);
        super.grantRole(role, account);
    }

    /// @inheritdoc IAccessControl
    function revokeRole(bytes32 role, address account) public override(AccessControlDefaultAdminRules, IAccessControl) {
        _rejectSourceRole(role);
        super.revokeRole(role, account);
    }

    /// @inheritdoc IAccessControl
    function renounceRole(
        bytes32 role,
        address callerConfirmation
    ) public override(AccessControlDefaultAdminRules, IAccessControl) {
        _rejectSourceRole(role);
        super.renounceRole(role, callerConfirmation);
    }

    /// @inheritdoc ILedgerRoles
    function roleEpoch(bytes32 role, address account) external view returns (uint64) {
        return _roleEpochs[role][account];
    }

    /// @dev Every loss of a role passes here (revokeRole, renounceRole, an accepted admin
    /// transfer), so the epoch counts them all.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked) ++_roleEpochs[role][account];
    }

    /// @dev Whether `key` is the current key of an active source.
    function _isActiveSourceKey(address key) internal view virtual returns (bool);

    function _rejectSourceRole(bytes32 role) private pure {
        if (role == SOURCE_ROLE) revert LedgerRolesManagedBySourceRegistry(role);
    }
}
