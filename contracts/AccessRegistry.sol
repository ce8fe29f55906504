// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {IAccessRegistry} from "./interfaces/IAccessRegistry.sol";
import {IDataLedger} from "./interfaces/IDataLedger.sol";
import {FormatStatus} from "./types/DataLedgerTypes.sol";

/// @title AccessRegistry
/// @notice Datasets and time-bounded read grants (Y.4561 clause 6.2.5). Roles come from the
/// ledger, so revoking an operator's or user's role there takes effect here at once, and for
/// good: ownership and grants are tied to the role epoch they were made in (see IAccessRegistry).
contract AccessRegistry is IAccessRegistry {
    /// @dev `ownerEpoch` is the owner's OPERATOR_ROLE epoch when it became owner.
    struct Dataset {
        address owner;
        uint64 ownerEpoch;
        string uri;
    }

    /// @dev `userEpoch` is the user's USER_ROLE epoch when the grant was made. One slot.
    struct Grant {
        uint48 expiresAt;
        uint64 userEpoch;
    }

    IDataLedger private immutable _ledger;
    bytes32 private immutable _operatorRole;
    bytes32 private immutable _userRole;

    mapping(uint64 datasetId => Dataset) private _datasets;
    mapping(uint64 datasetId => mapping(uint64 sourceId => bool)) private _sources;
    mapping(uint64 datasetId => mapping(bytes32 formatId => bool)) private _formats;
    mapping(uint64 datasetId => mapping(address user => Grant)) private _grants;
    uint64 private _datasetCount;

    /// @param ledger_ The DataLedger whose roles and registries this registry follows.
    constructor(IDataLedger ledger_) {
        _ledger = ledger_;
        _operatorRole = ledger_.OPERATOR_ROLE();
        _userRole = ledger_.USER_ROLE();
    }

    /// @inheritdoc IAccessRegistry
    function ledger() external view returns (address) {
        return address(_ledger);
    }

    /// @inheritdoc IAccessRegistry
    function createDataset(
        string calldata uri,
        uint64[] calldata sourceIds,
        bytes32[] calldata formatIds
    ) external returns (uint64 datasetId) {
        if (!_ledger.hasRole(_operatorRole, msg.sender)) revert AccessRegistryUnauthorized(msg.sender, _operatorRole);
        datasetId = ++_datasetCount;
        _datasets[datasetId] = Dataset({
            owner: msg.sender,
            ownerEpoch: _ledger.roleEpoch(_operatorRole, msg.sender),
            uri: uri
        });
        emit DatasetCreated(datasetId, msg.sender, uri);
        _setSources(datasetId, sourceIds, true);
        _setFormats(datasetId, formatIds, true);
    }

    /// @inheritdoc IAccessRegistry
    function setDatasetSources(uint64 datasetId, uint64[] calldata sourceIds, bool included) external {
        _requireOwner(datasetId);
        _setSources(datasetId, sourceIds, included);
    }

    /// @inheritdoc IAccessRegistry
    function setDatasetFormats(uint64 datasetId, bytes32[] calldata formatIds, bool included) external {
        _requireOwner(datasetId);
        _setFormats(datasetId, formatIds, included);
    }

    /// @inheritdoc IAccessRegistry
    function transferDataset(uint64 datasetId, address newOwner) external {
        address previousOwner = _requireAdministrator(datasetId);
        if (!_ledger.hasRole(_operatorRole, newOwner)) revert AccessRegistryUnauthorized(newOwner, _operatorRole);
        Dataset storage dataset = _datasets[datasetId];
        dataset.owner = newOwner;
        dataset.ownerEpoch = _ledger.roleEpoch(_operatorRole, newOwner);
        emit DatasetOwnerChanged(datasetId, previousOwner, newOwner, msg.sender);
    }

    /// @inheritdoc IAccessRegistry
    function grantAccess(uint64 datasetId, address user, uint48 expiresAt) external {
        _requireOwner(datasetId);
        if (!_ledger.hasRole(_userRole, user)) revert AccessRegistryNotAUser(user);
        if (expiresAt < block.timestamp) revert AccessRegistryInvalidExpiry(expiresAt);
        _grants[datasetId][user] = Grant({expiresAt: expiresAt, userEpoch: _ledger.roleEpoch(_userRole, user)});
        emit AccessGranted(datasetId, user, expiresAt, msg.sender);
    }

    /// @inheritdoc IAccessRegistry
    function revokeAccess(uint64 datasetId, address user) external {
        _requireAdministrator(datasetId);
        if (!hasAccess(datasetId, user)) revert AccessRegistryNoGrant(datasetId, user);
        delete _grants[datasetId][user];
        emit AccessRevoked(datasetId, user, msg.sender);
    }

    /// @inheritdoc IAccessRegistry
    function getDataset(uint64 datasetId) external view returns (address owner, string memory uri) {
        Dataset storage dataset = _datasets[datasetId];
        return (dataset.owner, dataset.uri);
    }

    /// @inheritdoc IAccessRegistry
    function datasetIncludesSource(uint64 datasetId, uint64 sourceId) external view returns (bool) {
        return _sources[datasetId][sourceId];
    }

    /// @inheritdoc IAccessRegistry
    function datasetIncludesFormat(uint64 datasetId, bytes32 formatId) external view returns (bool) {
        return _formats[datasetId][formatId];
    }

    /// @inheritdoc IAccessRegistry
    function grantExpiry(uint64 datasetId, address user) public view returns (uint48) {
        Grant memory grant = _grants[datasetId][user];
        // An unchanged epoch means the user has held USER_ROLE since the grant (it held the role
        // when granted, and every loss of a role bumps its epoch), so no hasRole call is needed.
        if (grant.expiresAt == 0 || grant.userEpoch != _ledger.roleEpoch(_userRole, user)) return 0;
        return grant.expiresAt;
    }

    /// @inheritdoc IAccessRegistry
    function hasAccess(uint64 datasetId, address user) public view returns (bool) {
        return block.timestamp <= grantExpiry(datasetId, user);
    }

    /// @inheritdoc IAccessRegistry
    function canRead(uint64 datasetId, address user, uint64 sourceId, bytes32 formatId) external view returns (bool) {
        return _sources[datasetId][sourceId] && _formats[datasetId][formatId] && hasAccess(datasetId, user);
    }

    /// @inheritdoc IAccessRegistry
    function datasetCount() external view returns (uint64) {
        return _datasetCount;
    }

    function _setSources(uint64 datasetId, uint64[] calldata sourceIds, bool included) private {
        uint64 known = _ledger.sourceCount();
        for (uint256 i = 0; i < sourceIds.length; ++i) {
            uint64 sourceId = sourceIds[i];
            if (sourceId == 0 || sourceId > known) revert AccessRegistryUnknownSource(sourceId);
            _sources[datasetId][sourceId] = included;
            emit DatasetSourceSet(datasetId, sourceId, included);
        }
    }

    function _setFormats(uint64 datasetId, bytes32[] calldata formatIds, bool included) private {
        for (uint256 i = 0; i < formatIds.length; ++i) {
            bytes32 formatId = formatIds[i];
            if (_ledger.getFormat(formatId).status == FormatStatus.None) revert AccessRegistryUnknownFormat(formatId);
            _formats[datasetId][formatId] = included;
            emit DatasetFormatSet(datasetId, formatId, included);
        }
    }

    /// @dev Reverts unless the caller is the dataset's owner in office.
    function _requireOwner(uint64 datasetId) private view {
        Dataset storage dataset = _datasets[datasetId];
        address owner = dataset.owner;
        if (owner == address(0)) revert AccessRegistryUnknownDataset(datasetId);
        if (owner != msg.sender) revert AccessRegistryNotDatasetOwner(msg.sender, datasetId);
        if (!_inOffice(dataset)) {
            if (!_ledger.hasRole(_operatorRole, msg.sender)) {
                revert AccessRegistryUnauthorized(msg.sender, _operatorRole);
            }
            // Operator again, but not without a break: the dataset must be handed over first.
            revert AccessRegistryDatasetOrphaned(datasetId, owner);
        }
    }

    /// @dev Reverts unless the caller is the dataset's owner in office or, when the dataset is
    /// orphaned, any operator. Returns the owner on record.
    function _requireAdministrator(uint64 datasetId) private view returns (address owner) {
        Dataset storage dataset = _datasets[datasetId];
        owner = dataset.owner;
        if (owner == address(0)) revert AccessRegistryUnknownDataset(datasetId);
        if (_inOffice(dataset)) {
            if (owner != msg.sender) revert AccessRegistryNotDatasetOwner(msg.sender, datasetId);
        } else if (!_ledger.hasRole(_operatorRole, msg.sender)) {
            revert AccessRegistryUnauthorized(msg.sender, _operatorRole);
        }
    }

    /// @dev Whether the owner has held OPERATOR_ROLE without a break since it became owner.
    function _inOffice(Dataset storage dataset) private view returns (bool) {
        return _ledger.roleEpoch(_operatorRole, dataset.owner) == dataset.ownerEpoch;
    }
}
