// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {IFormatRegistry} from "./interfaces/IFormatRegistry.sol";
import {FORMAT_KNOWN_FLAGS, FORMAT_UNIQUE_DATA_HASHES, Format, FormatStatus} from "./types/DataLedgerTypes.sol";
import {LedgerRoles} from "./LedgerRoles.sol";

/// @title FormatRegistry
/// @notice Registered data formats (JSON Schemas identified by hash), part of the DataLedger.
abstract contract FormatRegistry is IFormatRegistry, LedgerRoles {
    mapping(bytes32 formatId => Format) private _formats;
    mapping(uint32 index => bytes32 formatId) private _formatIds;
    mapping(bytes32 nameVersionHash => bool) private _nameVersionTaken;
    uint32 private _formatCount;

    /// @inheritdoc IFormatRegistry
    function registerFormat(
        bytes32 schemaHash,
        string calldata name,
        string calldata version,
        string calldata uri,
        uint16 flags
    ) external onlyRole(OPERATOR_ROLE) returns (bytes32 formatId) {
        if (schemaHash == bytes32(0)) revert FormatRegistryZeroSchemaHash();
        if (flags & ~FORMAT_KNOWN_FLAGS != 0) revert FormatRegistryUnknownFlags(flags);
        if (_formats[schemaHash].status != FormatStatus.None) revert FormatRegistryAlreadyRegistered(schemaHash);
        bytes32 nameVersion = keccak256(abi.encode(name, version));
        if (_nameVersionTaken[nameVersion]) revert FormatRegistryDuplicateVersion(name, version);

        formatId = schemaHash;
        uint32 index = _formatCount++;
        _nameVersionTaken[nameVersion] = true;
        _formatIds[index] = formatId;
        _formats[formatId] = Format({
            index: index,
            status: FormatStatus.Active,
            registeredAt: uint48(block.timestamp),
            flags: flags,
            deprecatedAt: 0,
            name: name,
            version: version,
            uri: uri
        });
        emit FormatRegistered(formatId, index, name, version, uri, flags);
    }

    /// @inheritdoc IFormatRegistry
    function deprecateFormat(bytes32 formatId) external onlyRole(OPERATOR_ROLE) {
        _requireActiveFormat(formatId);
        _formats[formatId].status = FormatStatus.Deprecated;
        _formats[formatId].deprecatedAt = uint48(block.timestamp);
        emit FormatDeprecated(formatId);
    }

    /// @inheritdoc IFormatRegistry
    function getFormat(bytes32 formatId) external view returns (Format memory) {
        return _formats[formatId];
    }

    /// @inheritdoc IFormatRegistry
    function formatIdAt(uint32 index) public view returns (bytes32) {
        return _formatIds[index];
    }

    /// @inheritdoc IFormatRegistry
    function formatCount() external view returns (uint32) {
        return _formatCount;
    }

    /// @dev Reverts unless the format is registered.
    function _requireKnownFormat(bytes32 formatId) internal view {
        if (_formats[formatId].status == FormatStatus.None) revert FormatRegistryUnknownFormat(formatId);
    }

    /// @dev Reverts unless the format is registered and active; returns its compact index and
    /// whether its data hashes are unique (one storage read: both share the format's first slot).
    function _requireActiveFormat(bytes32 formatId) internal view returns (uint32 index, bool uniqueDataHashes) {
        Format storage format = _formats[formatId];
        FormatStatus status = format.status;
        if (status == FormatStatus.None) revert FormatRegistryUnknownFormat(formatId);
        if (status == FormatStatus.Deprecated) revert FormatRegistryDeprecatedFormat(formatId);
        return (format.index, format.flags & FORMAT_UNIQUE_DATA_HASHES != 0);
    }
}
