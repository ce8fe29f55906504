// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {ISourceRegistry} from "./interfaces/ISourceRegistry.sol";
import {Source, SourceStatus} from "./types/DataLedgerTypes.sol";
import {FormatRegistry} from "./FormatRegistry.sol";

/// @title SourceRegistry
/// @notice Data sources: identification, key binding and authentication (Y.4561 clause 8.1),
/// part of the DataLedger.
abstract contract SourceRegistry is ISourceRegistry, FormatRegistry {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev Everything a submission needs to know about its key, in one storage slot. `status`
    /// mirrors the source's status while this key is current; `unboundAt` is set on rotation.
    struct KeyBinding {
        uint64 sourceId;
        uint48 boundAt;
        uint48 unboundAt;
        SourceStatus status;
    }

    mapping(uint64 sourceId => Source) private _sources;
    mapping(address key => KeyBinding) private _keys;
    mapping(uint64 sourceId => mapping(bytes32 formatId => bool)) private _allowedFormats;
    // Status by timestamp, so challenges can ask whether a source was active in the past.
    mapping(uint64 sourceId => Checkpoints.Trace208) private _statusHistory;
    uint64 private _sourceCount;

    /// @inheritdoc ISourceRegistry
    function registerSource(
        address signer,
        address owner,
        bytes32 metadataHash,
        string calldata metadataURI,
        bytes32[] calldata formatIds
    ) external onlyRole(OPERATOR_ROLE) returns (uint64 sourceId) {
        if (owner == address(0)) revert SourceRegistryZeroAddress();
        _requireUnboundKey(signer);

        sourceId = ++_sourceCount;
        _sources[sourceId] = Source({
            signer: signer,
            status: SourceStatus.Active,
            registeredAt: uint48(block.timestamp),
            owner: owner,
            metadataHash: metadataHash,
            metadataURI: metadataURI
        });
        _keys[signer] = KeyBinding({
            sourceId: sourceId,
            boundAt: uint48(block.timestamp),
            unboundAt: 0,
            status: SourceStatus.Active
        });
        _statusHistory[sourceId].push(uint48(block.timestamp), uint208(uint8(SourceStatus.Active)));
        emit SourceRegistered(sourceId, signer, owner, metadataHash, metadataURI);
        emit RoleGranted(SOURCE_ROLE, signer, msg.sender);
        _setFormats(sourceId, formatIds, true);
    }

    /// @inheritdoc ISourceRegistry
    function setSourceFormats(
        uint64 sourceId,
        bytes32[] calldata formatIds,
        bool allowed
    ) external onlyRole(OPERATOR_ROLE) {
        _requireSource(sourceId);
        _setFormats(sourceId, formatIds, allowed);
    }

    /// @inheritdoc ISourceRegistry
    function suspendSource(uint64 sourceId, uint16 reasonCode) external onlyRole(OPERATOR_ROLE) {
        SourceStatus status = _requireSource(sourceId);
        if (status != SourceStatus.Active) revert SourceRegistryInvalidStatus(sourceId, status);
        _setStatus(sourceId, SourceStatus.Suspended, reasonCode);
    }

    /// @inheritdoc ISourceRegistry
    function reactivateSource(uint64 sourceId) external onlyRole(OPERATOR_ROLE) {
        SourceStatus status = _requireSource(sourceId);
        if (status != SourceStatus.Suspended) revert SourceRegistryInvalidStatus(sourceId, status);
        _setStatus(sourceId, SourceStatus.Active, 0);
    }

    /// @inheritdoc ISourceRegistry
    function revokeSource(uint64 sourceId, uint16 reasonCode) external onlyRole(OPERATOR_ROLE) {
        SourceStatus status = _requireSource(sourceId);
        if (status == SourceStatus.Revoked) revert SourceRegistryInvalidStatus(sourceId, status);
        _setStatus(sourceId, SourceStatus.Revoked, reasonCode);
    }

    /// @inheritdoc ISourceRegistry
    function rotateSourceKey(uint64 sourceId, address newSigner) external {
        SourceStatus status = _requireSource(sourceId);
        Source storage source = _sources[sourceId];
        if (msg.sender != source.owner && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert SourceRegistryUnauthorized(msg.sender, sourceId);
        }
        if (status == SourceStatus.Revoked) revert SourceRegistryInvalidStatus(sourceId, status);
        _requireUnboundKey(newSigner);

        address previous = source.signer;
        source.signer = newSigner;
        _keys[previous].unboundAt = uint48(block.timestamp);
        _keys[newSigner] = KeyBinding({
            sourceId: sourceId,
            boundAt: uint48(block.timestamp),
            unboundAt: 0,
            status: status
        });
        emit SourceKeyRotated(sourceId, previous, newSigner);
        // A suspended source's keys hold no SOURCE_ROLE, before the rotation or after it.
        if (status == SourceStatus.Active) {
            emit RoleRevoked(SOURCE_ROLE, previous, msg.sender);
            emit RoleGranted(SOURCE_ROLE, newSigner, msg.sender);
        }
    }

    /// @inheritdoc ISourceRegistry
    function getSource(uint64 sourceId) external view returns (Source memory) {
        return _sources[sourceId];
    }

    /// @inheritdoc ISourceRegistry
    function sourceIdOf(address key) external view returns (uint64) {
        return _keys[key].sourceId;
    }

    /// @inheritdoc ISourceRegistry
    function isActiveSource(address key) external view returns (bool) {
        return _isActiveSourceKey(key);
    }

    /// @inheritdoc ISourceRegistry
    /// @dev A change takes effect from the second it is made: a key rotated or a source suspended
    /// at `timestamp` counts as inactive at `timestamp`.
    function wasActiveSourceAt(address key, uint48 timestamp) public view returns (bool) {
        KeyBinding memory binding = _keys[key];
        if (binding.sourceId == 0 || timestamp < binding.boundAt) return false;
        if (binding.unboundAt != 0 && timestamp >= binding.unboundAt) return false;
        return _statusHistory[binding.sourceId].upperLookup(timestamp) == uint208(uint8(SourceStatus.Active));
    }

    /// @inheritdoc ISourceRegistry
    function isFormatAllowed(uint64 sourceId, bytes32 formatId) external view returns (bool) {
        return _allowedFormats[sourceId][formatId];
    }

    /// @inheritdoc ISourceRegistry
    function sourceCount() external view returns (uint64) {
        return _sourceCount;
    }

    /// @dev Authenticates `key` as an active source allowed to use an active `formatId`. This is
    /// the submission hot path: three storage reads, no external call.
    function _authenticate(
        address key,
        bytes32 formatId
    ) internal view returns (uint64 sourceId, uint32 formatIndex, bool uniqueDataHashes) {
        KeyBinding memory binding = _keys[key];
        if (binding.status != SourceStatus.Active || binding.unboundAt != 0) revert SourceRegistryInactiveSource(key);
        sourceId = binding.sourceId;
        if (!_allowedFormats[sourceId][formatId]) revert SourceRegistryFormatNotAllowed(sourceId, formatId);
        (formatIndex, uniqueDataHashes) = _requireActiveFormat(formatId);
    }

    /// @dev The current signing key of a source.
    function _signerOf(uint64 sourceId) internal view returns (address) {
        return _sources[sourceId].signer;
    }

    /// @dev Source id of `key` when it is the current key of an active source, else 0.
    function _activeSourceIdOf(address key) internal view returns (uint64) {
        KeyBinding memory binding = _keys[key];
        if (binding.status != SourceStatus.Active || binding.unboundAt != 0) return 0;
        return binding.sourceId;
    }

    function _isActiveSourceKey(address key) internal view override returns (bool) {
        return _activeSourceIdOf(key) != 0;
    }

    function _setFormats(uint64 sourceId, bytes32[] calldata formatIds, bool allowed) private {
        for (uint256 i = 0; i < formatIds.length; ++i) {
            bytes32 formatId = formatIds[i];
            // Allowing needs a usable format; disallowing works for deprecated ones too.
            if (allowed) _requireActiveFormat(formatId);
            else _requireKnownFormat(formatId);
            _allowedFormats[sourceId][formatId] = allowed;
            emit SourceFormatSet(sourceId, formatId, allowed);
        }
    }

    function _setStatus(uint64 sourceId, SourceStatus status, uint16 reasonCode) private {
        Source storage source = _sources[sourceId];
        SourceStatus previous = source.status;
        address signer = source.signer;
        source.status = status;
        _keys[signer].status = status;
        _statusHistory[sourceId].push(uint48(block.timestamp), uint208(uint8(status)));
        emit SourceStatusChanged(sourceId, status, reasonCode);
        // Callers only change the status, so exactly one side of the change is Active or neither is
        // (suspended to revoked), and then the key's SOURCE_ROLE stays off.
        if (previous == SourceStatus.Active) emit RoleRevoked(SOURCE_ROLE, signer, msg.sender);
        else if (status == SourceStatus.Active) emit RoleGranted(SOURCE_ROLE, signer, msg.sender);
    }

    function _requireSource(uint64 sourceId) private view returns (SourceStatus status) {
        status = _sources[sourceId].status;
        if (status == SourceStatus.None) revert SourceRegistryUnknownSource(sourceId);
    }

    function _requireUnboundKey(address key) private view {
        if (key == address(0)) revert SourceRegistryZeroAddress();
        uint64 boundTo = _keys[key].sourceId;
        if (boundTo != 0) revert SourceRegistryKeyAlreadyBound(key, boundTo);
    }
}
