// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IAccessRegistry
/// @notice Datasets and time-bounded read grants for data users (Y.4561 clause 6.2.5). A dataset
/// groups sources and formats and is owned by an operator; its owner grants data users (holders
/// of the ledger's USER_ROLE) read access until an expiry.
/// @dev Roles are tenures, not flags (see the ledger's `roleEpoch`):
/// - A dataset's owner administers it while it has held OPERATOR_ROLE without a break since it
///   became owner. Once it loses the role the dataset is orphaned, and stays so even if the role
///   is granted back: its grants stand, any current operator may revoke them and transfer the
///   dataset (to itself or another operator), and nobody changes its sources or formats or grants
///   on it until it has an owner again. The ledger admin acts here only by appointing an operator.
/// - A grant holds while its user has held USER_ROLE without a break since the grant was made.
///   Losing the role (revoked or renounced) ends every grant of that user for good: a user
///   granted the role again starts with no grants. An indexer reconstructs this from the ledger's
///   `RoleRevoked(USER_ROLE, user, …)`, which ends all of `user`'s earlier `AccessGranted`.
/// - Time: `expiresAt` is the grant's last second. A grant is live while
///   `block.timestamp <= expiresAt` and expired once `block.timestamp > expiresAt`: the same
///   rule as a signature's deadline on the ledger (IDataRegistry).
interface IAccessRegistry {
    /// @notice The caller lacks the ledger role the action needs.
    error AccessRegistryUnauthorized(address account, bytes32 role);

    /// @notice No dataset has this id.
    error AccessRegistryUnknownDataset(uint64 datasetId);

    /// @notice The caller does not own the dataset (or, where any operator may act on an orphaned
    /// dataset, the dataset is not orphaned).
    error AccessRegistryNotDatasetOwner(address account, uint64 datasetId);

    /// @notice The dataset's owner lost OPERATOR_ROLE since it became owner; an operator must
    /// transfer the dataset before it is managed again.
    error AccessRegistryDatasetOrphaned(uint64 datasetId, address owner);

    /// @notice No source has this id on the ledger.
    error AccessRegistryUnknownSource(uint64 sourceId);

    /// @notice No format has this id on the ledger.
    error AccessRegistryUnknownFormat(bytes32 formatId);

    /// @notice The grantee does not hold the ledger's USER_ROLE.
    error AccessRegistryNotAUser(address account);

    /// @notice The expiry has already passed: it is before the current block's timestamp.
    error AccessRegistryInvalidExpiry(uint48 expiresAt);

    /// @notice The user holds no live grant on the dataset.
    error AccessRegistryNoGrant(uint64 datasetId, address user);

    /// @notice A dataset was created.
    event DatasetCreated(uint64 indexed datasetId, address indexed owner, string uri);

    /// @notice A source joined or left a dataset.
    event DatasetSourceSet(uint64 indexed datasetId, uint64 indexed sourceId, bool included);

    /// @notice A format joined or left a dataset.
    event DatasetFormatSet(uint64 indexed datasetId, bytes32 indexed formatId, bool included);

    /// @notice A dataset changed owner.
    /// @param transferredBy The owner, or the operator that took over an orphaned dataset.
    event DatasetOwnerChanged(
        uint64 indexed datasetId,
        address indexed previousOwner,
        address indexed newOwner,
        address transferredBy
    );

    /// @notice A user was granted (or re-granted) read access until `expiresAt`, inclusive.
    event AccessGranted(uint64 indexed datasetId, address indexed user, uint48 expiresAt, address grantedBy);

    /// @notice A user's grant was revoked before its expiry.
    event AccessRevoked(uint64 indexed datasetId, address indexed user, address revokedBy);

    /// @notice The ledger whose roles and registries this registry follows.
    function ledger() external view returns (address);

    /// @notice Creates a dataset owned by the caller. Operators only.
    /// @param uri Where the dataset's description lives.
    /// @param sourceIds Sources in the dataset.
    /// @param formatIds Formats in the dataset.
    /// @return datasetId The new dataset's id (sequential, starting at 1).
    function createDataset(
        string calldata uri,
        uint64[] calldata sourceIds,
        bytes32[] calldata formatIds
    ) external returns (uint64 datasetId);

    /// @notice Adds or removes sources. Dataset owner only.
    function setDatasetSources(uint64 datasetId, uint64[] calldata sourceIds, bool included) external;

    /// @notice Adds or removes formats. Dataset owner only.
    function setDatasetFormats(uint64 datasetId, bytes32[] calldata formatIds, bool included) external;

    /// @notice Hands the dataset to an operator. Dataset owner only, or any operator once the
    /// dataset is orphaned (its owner lost OPERATOR_ROLE): that is how an operator takes over the
    /// datasets of one who left. Grants stay as they are.
    function transferDataset(uint64 datasetId, address newOwner) external;

    /// @notice Grants `user` read access until `expiresAt`, inclusive, replacing any earlier grant.
    /// Dataset owner only. `expiresAt` may be the current block's timestamp (access for this
    /// second only) but not earlier.
    function grantAccess(uint64 datasetId, address user, uint48 expiresAt) external;

    /// @notice Revokes `user`'s live grant. Dataset owner only, or any operator once the dataset
    /// is orphaned.
    function revokeAccess(uint64 datasetId, address user) external;

    /// @notice The dataset's owner and description URI (owner is zero when there is no such dataset).
    function getDataset(uint64 datasetId) external view returns (address owner, string memory uri);

    /// @notice Whether the source is in the dataset.
    function datasetIncludesSource(uint64 datasetId, uint64 sourceId) external view returns (bool);

    /// @notice Whether the format is in the dataset.
    function datasetIncludesFormat(uint64 datasetId, bytes32 formatId) external view returns (bool);

    /// @notice The last second of `user`'s grant on the dataset, past or future; 0 when there is
    /// none, including when the grant ended because the user lost USER_ROLE.
    function grantExpiry(uint64 datasetId, address user) external view returns (uint48);

    /// @notice Whether `user` may read the dataset now: it holds a grant made since it last
    /// gained USER_ROLE (and has held the role since), and `block.timestamp <= grantExpiry`.
    function hasAccess(uint64 datasetId, address user) external view returns (bool);

    /// @notice Whether `user` may read records of `sourceId` in `formatId` through the dataset now.
    function canRead(uint64 datasetId, address user, uint64 sourceId, bytes32 formatId) external view returns (bool);

    /// @notice How many datasets were ever created.
    function datasetCount() external view returns (uint64);
}
