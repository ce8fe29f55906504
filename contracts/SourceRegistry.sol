// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";

import {ISourceRegistry} from "./interfaces/ISourceRegistry.sol";
import {Source, SourceStatus} from "./types/DataLedgerTypes.sol";
import {FormatRegistry} from "./FormatRegistry.sol";
import {SourceKeyHashing} from "./libraries/SourceKeyHashing.sol";

/// @title SourceRegistry
/// @notice Data sources: identification, key binding and authentication (Y.4561 clause 8.1),
/// part of the DataLedger. It owns the ledger's EIP-712 domain: key proofs are checked here, record
/// signatures in DataRegistry.
abstract contract SourceRegistry is ISourceRegistry, FormatRegistry, EIP712 {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev Everything a submission needs to know about its key, in one storage slot. `status`
    /// and `epoch` mirror the source's while this key is current; `unboundAt` is set on rotation.
    struct KeyBinding {
        uint64 sourceId;
        uint48 boundAt;
        uint48 unboundAt;
        SourceStatus status;
        uint32 epoch;
    }

    mapping(uint64 sourceId => Source) private _sources;
    mapping(address key => KeyBinding) private _keys;
    mapping(uint64 sourceId => mapping(bytes32 formatId => bool)) private _allowedFormats;
    // Status and signing epoch by timestamp (`_state`), so challenges can ask what they were in
    // the past: one history for both, since they change together.
    mapping(uint64 sourceId => Checkpoints.Trace208) private _stateHistory;
    // Format permission (1 allowed, 0 not) by timestamp, for the same question about formats.
    mapping(uint64 sourceId => mapping(bytes32 formatId => Checkpoints.Trace208)) private _formatHistory;
    uint64 private _sourceCount;

    /// @inheritdoc ISourceRegistry
    function registerSource(
        address signer,
        address owner,
        bytes32 metadataHash,
        string calldata metadataURI,
        bytes32[] calldata formatIds,
        bytes calldata keyProof
    ) external onlyRole(OPERATOR_ROLE) returns (uint64 sourceId) {
        if (owner == address(0)) revert SourceRegistryZeroAddress();
        _requireBindableKey(signer, owner, keyProof);

        sourceId = ++_sourceCount;
        _sources[sourceId] = Source({
            signer: signer,
            status: SourceStatus.Active,
            registeredAt: uint48(block.timestamp),
            epoch: 0,
            owner: owner,
            metadataHash: metadataHash,
            metadataURI: metadataURI
        });
        _keys[signer] = KeyBinding({
            sourceId: sourceId,
            boundAt: uint48(block.timestamp),
            unboundAt: 0,
            status: SourceStatus.Active,
            epoch: 0
        });
        _pushState(sourceId, SourceStatus.Active, 0);
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
    function rotateSourceKey(uint64 sourceId, address newSigner, bytes calldata keyProof) external {
        SourceStatus status = _requireSource(sourceId);
        Source storage source = _sources[sourceId];
        if (msg.sender != source.owner && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert SourceRegistryUnauthorized(msg.sender, sourceId);
        }
        if (status == SourceStatus.Revoked) revert SourceRegistryInvalidStatus(sourceId, status);
        // The key consents to the source's owner, whoever of owner and operator rotates.
        _requireBindableKey(newSigner, source.owner, keyProof);

        address previous = source.signer;
        source.signer = newSigner;
        _keys[previous].unboundAt = uint48(block.timestamp);
        _keys[newSigner] = KeyBinding({
            sourceId: sourceId,
            boundAt: uint48(block.timestamp),
            unboundAt: 0,
            status: status,
            epoch: _nextEpoch(sourceId, status)
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
    function wasSourceActiveAt(address key, uint48 timestamp) public view returns (bool) {
        KeyBinding memory binding = _keys[key];
        if (binding.sourceId == 0 || timestamp < binding.boundAt) return false;
        // Unbound in that second or later: it was still bound when the second began.
        if (binding.unboundAt != 0 && binding.unboundAt < timestamp) return false;
        return _inSecond(_stateHistory[binding.sourceId], timestamp, uint208(uint8(SourceStatus.Active)), 0xff);
    }

    /// @inheritdoc ISourceRegistry
    function wasSourceEpochAt(uint64 sourceId, uint32 epoch, uint48 timestamp) external view returns (bool) {
        return _inSecond(_stateHistory[sourceId], timestamp, _state(SourceStatus.None, epoch), ~uint208(0xff));
    }

    /// @inheritdoc ISourceRegistry
    function wasAllowedFormatAt(uint64 sourceId, bytes32 formatId, uint48 timestamp) external view returns (bool) {
        return _inSecond(_formatHistory[sourceId][formatId], timestamp, 1, 1);
    }

    /// @inheritdoc ISourceRegistry
    function isFormatAllowed(uint64 sourceId, bytes32 formatId) external view returns (bool) {
        return _allowedFormats[sourceId][formatId];
    }

    /// @inheritdoc ISourceRegistry
    function sourceCount() external view returns (uint64) {
        return _sourceCount;
    }

    /// @inheritdoc ISourceRegistry
    function hashKeyProof(address key, address owner) public view returns (bytes32) {
        return _hashTypedDataV4(SourceKeyHashing.structHash(key, owner));
    }

    /// @dev Authenticates `key` as an active source allowed to use an active `formatId`. This is
    /// the submission hot path: three storage reads, no external call.
    function _authenticate(
        address key,
        bytes32 formatId
    ) internal view returns (uint64 sourceId, uint32 formatIndex, bool uniqueDataHashes, uint32 epoch) {
        KeyBinding memory binding = _keys[key];
        if (binding.status != SourceStatus.Active || binding.unboundAt != 0) revert SourceRegistryInactiveSource(key);
        sourceId = binding.sourceId;
        epoch = binding.epoch;
        if (!_allowedFormats[sourceId][formatId]) revert SourceRegistryFormatNotAllowed(sourceId, formatId);
        (formatIndex, uniqueDataHashes) = _requireActiveFormat(formatId);
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
            _formatHistory[sourceId][formatId].push(uint48(block.timestamp), allowed ? 1 : 0);
            emit SourceFormatSet(sourceId, formatId, allowed);
        }
    }

    function _setStatus(uint64 sourceId, SourceStatus status, uint16 reasonCode) private {
        Source storage source = _sources[sourceId];
        SourceStatus previous = source.status;
        address signer = source.signer;
        source.status = status;
        _keys[signer].status = status;
        _keys[signer].epoch = _nextEpoch(sourceId, status);
        emit SourceStatusChanged(sourceId, status, reasonCode);
        // Callers only change the status, so exactly one side of the change is Active or neither is
        // (suspended to revoked), and then the key's SOURCE_ROLE stays off.
        if (previous == SourceStatus.Active) emit RoleRevoked(SOURCE_ROLE, signer, msg.sender);
        else if (status == SourceStatus.Active) emit RoleGranted(SOURCE_ROLE, signer, msg.sender);
    }

    /// @dev Whether `history` held `value` at some moment of second `timestamp`, as far as a
    /// per-second record can tell: at the end of the second before, or at the end of this one. A
    /// block's transaction and a change made in the same second have no order a timestamp can
    /// show, so the doubt goes to the block: no same-second change can make it disputable.
    function _inSecond(
        Checkpoints.Trace208 storage history,
        uint48 timestamp,
        uint208 value,
        uint208 mask
    ) private view returns (bool) {
        return
            history.upperLookup(timestamp) & mask == value ||
            (timestamp > 0 && history.upperLookup(timestamp - 1) & mask == value);
    }

    /// @dev Moves the source to its next signing epoch, which cancels every signature made before,
    /// and records its new state.
    function _nextEpoch(uint64 sourceId, SourceStatus status) private returns (uint32 epoch) {
        epoch = ++_sources[sourceId].epoch;
        _pushState(sourceId, status, epoch);
        emit SourceEpochChanged(sourceId, epoch);
    }

    function _pushState(uint64 sourceId, SourceStatus status, uint32 epoch) private {
        _stateHistory[sourceId].push(uint48(block.timestamp), _state(status, epoch));
    }

    /// @dev Status in the low byte, epoch + 1 above it (so no epoch matches before registration).
    function _state(SourceStatus status, uint32 epoch) private pure returns (uint208) {
        return uint208(uint8(status)) | ((uint208(epoch) + 1) << 8);
    }

    function _requireSource(uint64 sourceId) private view returns (SourceStatus status) {
        status = _sources[sourceId].status;
        if (status == SourceStatus.None) revert SourceRegistryUnknownSource(sourceId);
    }

    /// @dev A key may be bound once, and only with its own signature naming `owner`: so nobody can
    /// bind a key they do not hold (front-running the device that does), and since a bound key is
    /// never bound again, each proof works at most once.
    function _requireBindableKey(address key, address owner, bytes calldata keyProof) private view {
        if (key == address(0)) revert SourceRegistryZeroAddress();
        uint64 boundTo = _keys[key].sourceId;
        if (boundTo != 0) revert SourceRegistryKeyAlreadyBound(key, boundTo);
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hashKeyProof(key, owner), keyProof);
        if (error != ECDSA.RecoverError.NoError || signer != key) revert SourceRegistryInvalidKeyProof(key);
    }
}
