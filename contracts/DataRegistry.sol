// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {
    DataBlockStatus,
    DataBlockView,
    DisputeReason,
    RecordInput,
    RecordStatus,
    RecordView,
    SignedOperation
} from "./types/DataLedgerTypes.sol";
import {SourceRegistry} from "./SourceRegistry.sol";

/// @title DataRegistry
/// @notice Anchored records and data blocks, part of the DataLedger.
/// @dev Gas shapes this file. A record costs one new storage slot (`RecordHeader`, packed); its
/// metadata hash and URI live in the `RecordAnchored` event, the audit trail an indexer follows.
abstract contract DataRegistry is IDataRegistry, SourceRegistry, EIP712 {
    /// @notice EIP-712 type of a source-signed record; the preimage is spelled out below.
    bytes32 public constant RECORD_TYPEHASH = keccak256(
        "Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline)"
    );

    struct RecordHeader {
        uint64 sourceId;
        uint32 formatIndex;
        uint48 sampledAt;
        uint48 recordedAt;
        RecordStatus status;
        uint16 revocationReason;
    }

    struct DataBlockHeader {
        address gateway;
        uint32 count;
        uint48 anchoredAt;
        DataBlockStatus status;
        uint48 firstSampledAt;
        uint48 lastSampledAt;
    }

    mapping(bytes32 dataHash => RecordHeader) private _records;
    mapping(bytes32 dataHash => bytes32 nextDataHash) private _supersededBy;
    mapping(bytes32 dataHash => bytes32 previousDataHash) private _replaces;
    mapping(bytes32 root => DataBlockHeader) private _dataBlocks;

    /// @inheritdoc IDataRegistry
    function submitRecord(RecordInput calldata record) external whenNotPaused {
        (uint64 sourceId, uint32 formatIndex) = _authenticate(msg.sender, record.formatId);
        _anchor(record, sourceId, formatIndex, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function submitRecordBySig(
        address source,
        RecordInput calldata record,
        uint48 deadline,
        bytes calldata signature
    ) external whenNotPaused {
        if (block.timestamp > deadline) revert DataRegistryExpiredSignature(deadline);
        if (!_isSignedBy(source, record, deadline, signature)) revert DataRegistryInvalidSignature(source);
        (uint64 sourceId, uint32 formatIndex) = _authenticate(source, record.formatId);
        _anchor(record, sourceId, formatIndex, source);
    }

    /// @inheritdoc IDataRegistry
    function updateRecord(bytes32 previousDataHash, RecordInput calldata record) external whenNotPaused {
        RecordHeader storage previous = _requireActiveRecord(previousDataHash);
        uint64 sourceId = previous.sourceId;
        address signer = _signerOf(sourceId);
        if (msg.sender != signer && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert DataRegistryUnauthorized(msg.sender, previousDataHash);
        }
        // The new version belongs to the same source, which must still be active and allowed the format.
        (, uint32 formatIndex) = _authenticate(signer, record.formatId);
        _anchor(record, sourceId, formatIndex, signer);

        previous.status = RecordStatus.Superseded;
        _supersededBy[previousDataHash] = record.dataHash;
        _replaces[record.dataHash] = previousDataHash;
        emit RecordUpdated(previousDataHash, record.dataHash, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function revokeRecord(bytes32 dataHash, uint16 reasonCode) external {
        RecordHeader storage header = _requireActiveRecord(dataHash);
        uint64 sourceId = header.sourceId;
        if (_activeSourceIdOf(msg.sender) != sourceId && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert DataRegistryUnauthorized(msg.sender, dataHash);
        }
        header.status = RecordStatus.Revoked;
        header.revocationReason = reasonCode;
        emit RecordRevoked(dataHash, sourceId, reasonCode, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function submitDataBlock(
        bytes32 root,
        uint32 count,
        uint48 firstSampledAt,
        uint48 lastSampledAt,
        string calldata uri
    ) external onlyRole(GATEWAY_ROLE) whenNotPaused {
        if (root == bytes32(0) || count == 0 || firstSampledAt > lastSampledAt) {
            revert DataRegistryInvalidDataBlock(root, count, firstSampledAt, lastSampledAt);
        }
        DataBlockHeader storage dataBlock = _dataBlocks[root];
        if (dataBlock.status != DataBlockStatus.None) revert DataRegistryDuplicateDataBlock(root);
        _dataBlocks[root] = DataBlockHeader({
            gateway: msg.sender,
            count: count,
            anchoredAt: uint48(block.timestamp),
            status: DataBlockStatus.Anchored,
            firstSampledAt: firstSampledAt,
            lastSampledAt: lastSampledAt
        });
        emit DataBlockAnchored(root, msg.sender, count, firstSampledAt, lastSampledAt, uri);
    }

    /// @inheritdoc IDataRegistry
    function challengeDataBlock(bytes32 root, SignedOperation calldata operation, bytes32[] calldata proof) external {
        DataBlockHeader storage dataBlock = _dataBlocks[root];
        DataBlockStatus status = dataBlock.status;
        if (status == DataBlockStatus.None) revert DataRegistryUnknownDataBlock(root);
        if (status == DataBlockStatus.Disputed) revert DataRegistryDataBlockDisputed(root);

        bytes32 leaf = leafHash(operation);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert DataRegistryInvalidProof(root, leaf);

        uint48 anchoredAt = dataBlock.anchoredAt;
        DisputeReason reason;
        if (!_isSignedBy(operation.source, operation.record, operation.deadline, operation.signature)) {
            reason = DisputeReason.InvalidSignature;
        } else if (operation.deadline < anchoredAt) {
            reason = DisputeReason.ExpiredSignature;
        } else if (!wasActiveSourceAt(operation.source, anchoredAt)) {
            reason = DisputeReason.InactiveSource;
        } else {
            revert DataRegistryValidOperation(root, leaf);
        }
        dataBlock.status = DataBlockStatus.Disputed;
        emit DataBlockDisputed(root, msg.sender, leaf, operation.source, reason);
    }

    /// @inheritdoc IDataRegistry
    function getRecord(bytes32 dataHash) external view returns (RecordView memory view_) {
        RecordHeader memory header = _records[dataHash];
        if (header.status == RecordStatus.None) return view_;
        view_ = RecordView({
            dataHash: dataHash,
            sourceId: header.sourceId,
            formatId: formatIdAt(header.formatIndex),
            sampledAt: header.sampledAt,
            recordedAt: header.recordedAt,
            status: header.status,
            revocationReason: header.revocationReason,
            replaces: _replaces[dataHash],
            supersededBy: _supersededBy[dataHash]
        });
    }

    /// @inheritdoc IDataRegistry
    function recordSourceIds(bytes32[] calldata dataHashes) external view returns (uint64[] memory sourceIds) {
        sourceIds = new uint64[](dataHashes.length);
        for (uint256 i = 0; i < dataHashes.length; ++i) {
            // Source ids start at 1, so 0 means no record (of any status) holds the hash.
            sourceIds[i] = _records[dataHashes[i]].sourceId;
        }
    }

    /// @inheritdoc IDataRegistry
    function getDataBlock(bytes32 root) external view returns (DataBlockView memory view_) {
        DataBlockHeader memory dataBlock = _dataBlocks[root];
        if (dataBlock.status == DataBlockStatus.None) return view_;
        view_ = DataBlockView({
            root: root,
            gateway: dataBlock.gateway,
            count: dataBlock.count,
            firstSampledAt: dataBlock.firstSampledAt,
            lastSampledAt: dataBlock.lastSampledAt,
            anchoredAt: dataBlock.anchoredAt,
            status: dataBlock.status
        });
    }

    /// @inheritdoc IDataRegistry
    function verifyInclusion(bytes32 root, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        return _dataBlocks[root].status == DataBlockStatus.Anchored && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IDataRegistry
    function hashRecord(RecordInput calldata record, uint48 deadline) public view returns (bytes32) {
        return _hashTypedDataV4(_structHash(record, deadline));
    }

    /// @inheritdoc IDataRegistry
    function leafHash(SignedOperation calldata operation) public pure returns (bytes32) {
        bytes32 inner = keccak256(
            abi.encode(
                operation.source,
                _structHash(operation.record, operation.deadline),
                operation.deadline,
                keccak256(operation.signature)
            )
        );
        return keccak256(bytes.concat(inner));
    }

    function _anchor(RecordInput calldata record, uint64 sourceId, uint32 formatIndex, address signer) private {
        bytes32 dataHash = record.dataHash;
        if (dataHash == bytes32(0)) revert DataRegistryZeroDataHash();
        RecordHeader storage header = _records[dataHash];
        if (header.status != RecordStatus.None) revert DataRegistryDuplicateRecord(dataHash, header.sourceId);
        _records[dataHash] = RecordHeader({
            sourceId: sourceId,
            formatIndex: formatIndex,
            sampledAt: record.sampledAt,
            recordedAt: uint48(block.timestamp),
            status: RecordStatus.Active,
            revocationReason: 0
        });
        emit RecordAnchored(
            dataHash,
            sourceId,
            record.formatId,
            signer,
            record.metadataHash,
            record.sampledAt,
            record.uri
        );
    }

    function _requireActiveRecord(bytes32 dataHash) private view returns (RecordHeader storage header) {
        header = _records[dataHash];
        RecordStatus status = header.status;
        if (status == RecordStatus.None) revert DataRegistryUnknownRecord(dataHash);
        if (status != RecordStatus.Active) revert DataRegistryRecordNotActive(dataHash, status);
    }

    function _isSignedBy(
        address source,
        RecordInput calldata record,
        uint48 deadline,
        bytes calldata signature
    ) private view returns (bool) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(
            hashRecord(record, deadline),
            signature
        );
        return error == ECDSA.RecoverError.NoError && recovered == source;
    }

    function _structHash(RecordInput calldata record, uint48 deadline) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    RECORD_TYPEHASH,
                    record.dataHash,
                    record.formatId,
                    record.metadataHash,
                    record.sampledAt,
                    keccak256(bytes(record.uri)),
                    deadline
                )
            );
    }
}
