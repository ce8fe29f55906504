// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";

/// @title ILedgerRoles
/// @notice The actors of Y.4561 clause 7.2 as on-chain roles, plus the emergency pause.
/// @dev Role administration: the default admin administers OPERATOR_ROLE and SUPERVISOR_ROLE;
/// operators administer USER_ROLE and GATEWAY_ROLE. SOURCE_ROLE is not granted directly: an
/// account holds it exactly while it is the current key of an active source in the source
/// registry, so the registry is the single source of truth for who may submit data. Its changes
/// are still announced with `RoleGranted`/`RoleRevoked` (see ISourceRegistry), so an indexer
/// follows every role, SOURCE_ROLE included, from the same two events.
///
/// DEFAULT_ADMIN_ROLE follows OpenZeppelin's AccessControlDefaultAdminRules: it has exactly one
/// holder (`defaultAdmin()`, also `owner()`), and `grantRole`/`revokeRole` of it revert with
/// `AccessControlEnforcedDefaultAdminRules`. It moves in two steps: the admin schedules a new
/// admin (`beginDefaultAdminTransfer`), and that account takes over by calling
/// `acceptDefaultAdminTransfer` once the schedule has passed, i.e. from the first second after
/// `now + defaultAdminDelay()`. The admin may cancel before then. Renouncing it, which freezes the
/// operator and supervisor sets for good, takes the same path: `beginDefaultAdminTransfer(address(0))`,
/// the delay, then `renounceRole(DEFAULT_ADMIN_ROLE, admin)`; a renounce without that schedule
/// reverts with `AccessControlEnforcedDefaultAdminDelay`. The delay itself changes through
/// `changeDefaultAdminDelay`, which waits out the current delay (or up to 5 days for an increase)
/// before it takes effect.
interface ILedgerRoles is IAccessControlDefaultAdminRules {
    /// @notice SOURCE_ROLE is derived from the source registry and cannot be granted, revoked or
    /// renounced directly.
    /// @param role The role that was named.
    error LedgerRolesManagedBySourceRegistry(bytes32 role);

    /// @notice Data source actor (D): the current key of an active registered source.
    function SOURCE_ROLE() external view returns (bytes32);

    /// @notice Data user actor (U): may be granted read access to datasets.
    function USER_ROLE() external view returns (bytes32);

    /// @notice Operator actor (O): configures sources, formats, access and roles.
    function OPERATOR_ROLE() external view returns (bytes32);

    /// @notice Supervisor actor (V): audits; may pause submissions but not resume them.
    function SUPERVISOR_ROLE() external view returns (bytes32);

    /// @notice Representation gateway (the representation FE's on-chain identity): submits data blocks.
    function GATEWAY_ROLE() external view returns (bytes32);

    /// @notice Stops every submission path (direct, relayed, data block, update).
    /// @dev Callable by operators and supervisors. Revocations and challenges stay open.
    function pause() external;

    /// @notice Resumes submissions. Operators only. (`paused()` comes from OpenZeppelin Pausable.)
    function unpause() external;

    /// @notice How many times `account` has lost `role`: by revocation, renouncement, or (for
    /// DEFAULT_ADMIN_ROLE) a completed transfer. Every `RoleRevoked` this ledger emits adds one,
    /// so an indexer counts it from the events.
    /// @dev Lets other contracts tie an authorisation to an uninterrupted tenure of a role: record
    /// the epoch while the account holds the role, and the authorisation holds exactly while the
    /// epoch is unchanged (the account has held the role ever since). Re-granting the role starts
    /// a new epoch, so it revives nothing recorded under an earlier one. Always 0 for SOURCE_ROLE,
    /// which is derived from the source registry and never revoked as a role.
    function roleEpoch(bytes32 role, address account) external view returns (uint64);
}
