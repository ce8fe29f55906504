// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IDataLedger} from "./interfaces/IDataLedger.sol";
import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {DataBlockJudge} from "./DataBlockJudge.sol";
import {RecordHashing} from "./libraries/RecordHashing.sol";
import {
    DataBlockStatus,
    DataBlockView,
    DisputeReason,
    RecordInput,
    RecordStatus,
    RecordView
} from "./types/DataLedgerTypes.sol";
import {SourceRegistry} from "./SourceRegistry.sol";

/// @title DataRegistry
/// @notice Anchored records and data blocks, part of the DataLedger.
/// @dev Gas shapes this file. A record costs one new storage slot (`RecordHeader`, packed), under
/// its id `recordIdOf(source key, data hash, sampling time)`; its data hash, metadata hash and URI
/// live in the `RecordAnchored` event, the audit trail an indexer follows. A format with unique
/// data hashes costs its records a second slot, the hash's holder.
abstract contract DataRegistry is IDataRegistry, SourceRegistry, EIP712 {
    /// @notice EIP-712 type of a source-signed record; the preimage is spelled out below.
    bytes32 public constant RECORD_TYPEHASH = RecordHashing.RECORD_TYPEHASH;

    struct RecordHeader {
        uint64 sourceId;
        uint32 formatIndex;
        uint48 sampledAt;
        uint48 recordedAt;
        RecordStatus status;
        uint16 revocationReason;
        bool revokedByOperator;
    }

    /// @dev One slot: the gateway is kept as its compact index (see `_gatewayIndex`) and the
    /// chain id as its index in the chain id history (see `_chainIndex`), so the sampling range
    /// fits beside them and a block costs one new slot, not two.
    struct DataBlockHeader {
        uint32 gatewayIndex;
        uint32 count;
        uint48 anchoredAt;
        DataBlockStatus status;
        uint48 firstSampledAt;
        uint48 lastSampledAt;
        uint8 chainIndex;
    }

    mapping(bytes32 recordId => RecordHeader) private _records;
    mapping(bytes32 recordId => bytes32 nextRecordId) private _supersededBy;
    mapping(bytes32 recordId => bytes32 previousRecordId) private _replaces;
    /// @dev For formats with unique data hashes only: the record holding each data hash.
    mapping(bytes32 dataHash => bytes32 recordId) private _dataHashHolders;
    mapping(bytes32 blockId => DataBlockHeader) private _dataBlocks;
    mapping(bytes32 blockId => mapping(bytes32 leaf => bool)) private _disputedOperations;
    mapping(address gateway => uint32 index) private _gatewayIndexes;
    mapping(uint32 index => uint32 disputes) private _gatewayDisputes;
    mapping(uint32 index => address gateway) private _gateways;
    uint32 private _gatewayCount;
    /// @dev Chain ids blocks were anchored under after the deployment chain's (index 0), from 1.
    uint8 private _laterChainIdCount;
    mapping(uint8 index => uint256 chainId) private _laterChainIds;
    mapping(uint256 chainId => uint8 index) private _laterChainIndexes;
    address private immutable _judge;
    /// @dev Index 0 of the chain id history, read without a storage access: the common case.
    uint256 private immutable _deploymentChainId;

    constructor() {
        // The judge is the ledger's own: deployed here, so no set-up step can leave it unset or
        // point it elsewhere. Its code counts against the deployment, not the ledger's size.
        _judge = address(new DataBlockJudge(IDataLedger(address(this))));
        _deploymentChainId = block.chainid;
    }

    /// @inheritdoc IDataRegistry
    function submitRecord(RecordInput calldata record) external whenNotPaused {
        (uint64 sourceId, uint32 formatIndex, bool unique, ) = _authenticate(msg.sender, record.formatId);
        _anchor(record, sourceId, formatIndex, unique, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function submitRecordBySig(
        address source,
        RecordInput calldata record,
        uint48 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        if (block.timestamp > deadline) revert DataRegistryExpiredSignature(deadline);
        (uint64 sourceId, uint32 formatIndex, bool unique, uint32 epoch) = _authenticate(source, record.formatId);
        // Signed in the source's current epoch only: a suspension, reactivation or rotation since
        // the signature cancels it.
        if (!_isSignedBy(source, record, deadline, epoch, signature)) revert DataRegistryInvalidSignature(source);
        _anchor(record, sourceId, formatIndex, unique, source);
    }

    /// @inheritdoc IDataRegistry
    function updateRecord(bytes32 previousRecordId, RecordInput calldata record) external whenNotPaused {
        RecordHeader storage previous = _requireActiveRecord(previousRecordId);
        // Only the source's own current key, while active: a new version is the source's
        // statement, so an operator (who can revoke) cannot put words in its mouth.
        if (_activeSourceIdOf(msg.sender) != previous.sourceId) {
            revert DataRegistryUnauthorized(msg.sender, previousRecordId);
        }
        (uint64 sourceId, uint32 formatIndex, bool unique, ) = _authenticate(msg.sender, record.formatId);
        // Superseded first, so a new version of a unique-hash record may keep the hash.
        previous.status = RecordStatus.Superseded;
        bytes32 id = _anchor(record, sourceId, formatIndex, unique, msg.sender);
        _supersededBy[previousRecordId] = id;
        _replaces[id] = previousRecordId;
        emit RecordUpdated(previousRecordId, id, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function revokeRecord(bytes32 recordId, uint16 reasonCode) external {
        RecordHeader storage header = _requireActiveRecord(recordId);
        uint64 sourceId = header.sourceId;
        bool byOperator = _activeSourceIdOf(msg.sender) != sourceId;
        if (byOperator && !hasRole(OPERATOR_ROLE, msg.sender)) revert DataRegistryUnauthorized(msg.sender, recordId);
        header.status = RecordStatus.Revoked;
        header.revocationReason = reasonCode;
        header.revokedByOperator = byOperator;
        emit RecordRevoked(recordId, sourceId, reasonCode, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function submitDataBlock(
        bytes32 root,
        uint32 count,
        uint48 firstSampledAt,
        uint48 lastSampledAt,
        string calldata uri
    ) external onlyRole(GATEWAY_ROLE) whenNotPaused returns (bytes32 blockId) {
        if (root == bytes32(0) || count == 0 || firstSampledAt > lastSampledAt) {
            revert DataRegistryInvalidDataBlock(root, count, firstSampledAt, lastSampledAt);
        }
        // Keyed by gateway and root: a rival anchoring this root first makes a block of its own,
        // in which no operation of ours verifies (leaves are hashed with the gateway).
        blockId = RecordHashing.dataBlockId(msg.sender, root);
        DataBlockHeader storage dataBlock = _dataBlocks[blockId];
        if (dataBlock.status != DataBlockStatus.None) revert DataRegistryDuplicateDataBlock(blockId);
        _dataBlocks[blockId] = DataBlockHeader({
            gatewayIndex: _gatewayIndex(msg.sender),
            count: count,
            anchoredAt: uint48(block.timestamp),
            status: DataBlockStatus.Anchored,
            firstSampledAt: firstSampledAt,
            lastSampledAt: lastSampledAt,
            chainIndex: _chainIndex()
        });
        emit DataBlockAnchored(blockId, root, msg.sender, count, firstSampledAt, lastSampledAt, block.chainid, uri);
    }

    /// @inheritdoc IDataRegistry
    function recordDispute(
        bytes32 blockId,
        bytes32 leaf,
        address source,
        address challenger,
        DisputeReason reason
    ) external {
        if (msg.sender != _judge) revert DataRegistryNotJudge(msg.sender);
        DataBlockHeader storage dataBlock = _dataBlocks[blockId];
        _disputedOperations[blockId][leaf] = true;
        dataBlock.status = DataBlockStatus.Disputed;
        ++_gatewayDisputes[dataBlock.gatewayIndex];
        emit DataBlockDisputed(blockId, challenger, leaf, source, reason);
    }

    /// @inheritdoc IDataRegistry
    function dataBlockJudge() external view returns (address) {
        return _judge;
    }

    /// @inheritdoc IDataRegistry
    function isOperationDisputed(bytes32 blockId, bytes32 leaf) external view returns (bool) {
        return _disputedOperations[blockId][leaf];
    }

    /// @inheritdoc IDataRegistry
    function disputesOf(address gateway) external view returns (uint32) {
        // Index 0 is no gateway, and no block has it, so its count stays 0.
        return _gatewayDisputes[_gatewayIndexes[gateway]];
    }

    /// @inheritdoc IDataRegistry
    function getRecord(bytes32 recordId) external view returns (RecordView memory view_) {
        RecordHeader memory header = _records[recordId];
        if (header.status == RecordStatus.None) return view_;
        view_ = RecordView({
            recordId: recordId,
            sourceId: header.sourceId,
            formatId: formatIdAt(header.formatIndex),
            sampledAt: header.sampledAt,
            recordedAt: header.recordedAt,
            status: header.status,
            revocationReason: header.revocationReason,
            revokedByOperator: header.revokedByOperator,
            replaces: _replaces[recordId],
            supersededBy: _supersededBy[recordId]
        });
    }

    /// @inheritdoc IDataRegistry
    function recordSourceIds(bytes32[] calldata recordIds) external view returns (uint64[] memory sourceIds) {
        sourceIds = new uint64[](recordIds.length);
        for (uint256 i = 0; i < recordIds.length; ++i) {
            // Source ids start at 1, so 0 means no record (of any status) has the id.
            sourceIds[i] = _records[recordIds[i]].sourceId;
        }
    }

    /// @inheritdoc IDataRegistry
    function dataHashHolder(bytes32 dataHash) external view returns (bytes32) {
        return _dataHashHolders[dataHash];
    }

    /// @inheritdoc IDataRegistry
    function recordIdOf(address source, bytes32 dataHash, uint48 sampledAt) public pure returns (bytes32) {
        return RecordHashing.recordId(source, dataHash, sampledAt);
    }

    /// @inheritdoc IDataRegistry
    function getDataBlock(bytes32 blockId) external view returns (DataBlockView memory view_) {
        DataBlockHeader memory dataBlock = _dataBlocks[blockId];
        if (dataBlock.status == DataBlockStatus.None) return view_;
        uint8 chainIndex = dataBlock.chainIndex;
        view_ = DataBlockView({
            blockId: blockId,
            gateway: _gateways[dataBlock.gatewayIndex],
            count: dataBlock.count,
            firstSampledAt: dataBlock.firstSampledAt,
            lastSampledAt: dataBlock.lastSampledAt,
            anchoredAt: dataBlock.anchoredAt,
            chainId: chainIndex == 0 ? _deploymentChainId : _laterChainIds[chainIndex],
            status: dataBlock.status
        });
    }

    /// @inheritdoc IDataRegistry
    function dataBlockIdOf(address gateway, bytes32 root) external pure returns (bytes32) {
        return RecordHashing.dataBlockId(gateway, root);
    }

    /// @inheritdoc IDataRegistry
    function hashRecord(RecordInput calldata record, uint48 deadline, uint32 epoch) public view returns (bytes32) {
        return _hashTypedDataV4(RecordHashing.structHash(record, deadline, epoch));
    }

    function _anchor(
        RecordInput calldata record,
        uint64 sourceId,
        uint32 formatIndex,
        bool uniqueDataHash,
        address signer
    ) private returns (bytes32 id) {
        bytes32 dataHash = record.dataHash;
        if (dataHash == bytes32(0)) revert DataRegistryZeroDataHash();
        id = recordIdOf(signer, dataHash, record.sampledAt);
        RecordHeader storage header = _records[id];
        if (header.status != RecordStatus.None) revert DataRegistryDuplicateRecord(id, header.sourceId);
        if (uniqueDataHash) {
            // The hash is free when no record holds it, or its holder is no longer active
            // (revoked, or superseded by a version with another hash).
            bytes32 holder = _dataHashHolders[dataHash];
            if (holder != bytes32(0) && _records[holder].status == RecordStatus.Active) {
                revert DataRegistryDataHashHeld(dataHash, holder);
            }
            _dataHashHolders[dataHash] = id;
        }
        _records[id] = RecordHeader({
            sourceId: sourceId,
            formatIndex: formatIndex,
            sampledAt: record.sampledAt,
            recordedAt: uint48(block.timestamp),
            status: RecordStatus.Active,
            revocationReason: 0,
            revokedByOperator: false
        });
        emit RecordAnchored(
            id,
            dataHash,
            sourceId,
            record.formatId,
            signer,
            record.metadataHash,
            record.sampledAt,
            record.uri
        );
    }

    /// @dev The gateway's compact index, from 1, assigned at its first data block.
    function _gatewayIndex(address gateway) private returns (uint32 index) {
        index = _gatewayIndexes[gateway];
        if (index == 0) {
            index = ++_gatewayCount;
            _gatewayIndexes[gateway] = index;
            _gateways[index] = gateway;
        }
    }

    /// @dev The index of the current chain id in the chain id history: 0, without a storage
    /// access, on the deployment chain; after a chain-id change, its index from 1, assigned at its
    /// first block. The judge needs the chain id a block was anchored under to judge its
    /// signatures in the domain they were made for.
    function _chainIndex() private returns (uint8 index) {
        if (block.chainid == _deploymentChainId) return 0;
        index = _laterChainIndexes[block.chainid];
        if (index == 0) {
            index = _laterChainIdCount;
            if (index == type(uint8).max) revert DataRegistryChainIdHistoryFull(block.chainid);
            _laterChainIdCount = ++index;
            _laterChainIndexes[block.chainid] = index;
            _laterChainIds[index] = block.chainid;
        }
    }

    function _requireActiveRecord(bytes32 recordId) private view returns (RecordHeader storage header) {
        header = _records[recordId];
        RecordStatus status = header.status;
        if (status == RecordStatus.None) revert DataRegistryUnknownRecord(recordId);
        if (status != RecordStatus.Active) revert DataRegistryRecordNotActive(recordId, status);
    }

    function _isSignedBy(
        address source,
        RecordInput calldata record,
        uint48 deadline,
        uint32 epoch,
        bytes calldata signature
    ) private view returns (bool) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(
            hashRecord(record, deadline, epoch),
            signature
        );
        return error == ECDSA.RecoverError.NoError && recovered == source;
    }
}
