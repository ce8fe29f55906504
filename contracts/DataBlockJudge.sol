// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDataBlockJudge} from "./interfaces/IDataBlockJudge.sol";
import {IDataLedger} from "./interfaces/IDataLedger.sol";
import {RecordHashing} from "./libraries/RecordHashing.sol";
import {
    DataBlockStatus,
    DataBlockView,
    DisputeReason,
    FormatStatus,
    Format,
    RecordStatus,
    RecordView,
    SignedOperation
} from "./types/DataLedgerTypes.sol";

/// @title DataBlockJudge
/// @notice Judges data block challenges for one DataLedger; see IDataBlockJudge for the rules.
/// @dev A contract of its own so the ledger stays under the 24,576-byte code limit: challenges
/// are rare, read the ledger through its views, and cost what they cost.
contract DataBlockJudge is IDataBlockJudge {
    /// @inheritdoc IDataBlockJudge
    IDataLedger public immutable ledger;

    /// @param ledger_ The ledger; it deploys its judge from its own constructor.
    constructor(IDataLedger ledger_) {
        ledger = ledger_;
    }

    /// @inheritdoc IDataBlockJudge
    function challenge(
        bytes32 root,
        SignedOperation calldata operation,
        bytes32[] calldata proof
    ) external returns (DisputeReason reason) {
        (DataBlockView memory dataBlock, bytes32 leaf) = _includedUndisputed(root, operation, proof);
        bool valid;
        (valid, reason) = _verdict(dataBlock, operation);
        if (valid) revert DataBlockJudgeValidOperation(root, leaf);
        ledger.recordDispute(root, leaf, operation.source, msg.sender, reason);
    }

    /// @inheritdoc IDataBlockJudge
    function challengeDuplicate(
        bytes32 root,
        SignedOperation calldata operation,
        bytes32[] calldata proof,
        bytes32 earlierRoot,
        SignedOperation calldata earlier,
        bytes32[] calldata earlierProof
    ) external {
        (DataBlockView memory dataBlock, bytes32 leaf) = _includedUndisputed(root, operation, proof);
        (DataBlockView memory earlierBlock, bytes32 earlierLeaf) = _includedUndisputed(
            earlierRoot,
            earlier,
            earlierProof
        );
        // First in time wins; within one block (one second) the smaller leaf hash does, so exactly
        // one of two copies can be struck, never both, and the same leaf twice is one operation.
        bool first = earlierBlock.anchoredAt < dataBlock.anchoredAt || (earlierRoot == root && earlierLeaf < leaf);
        (bool earlierValid, ) = _verdict(earlierBlock, earlier);
        if (!first || !earlierValid || _recordId(earlier) != _recordId(operation)) {
            revert DataBlockJudgeNotDuplicate(root, leaf, earlierRoot, earlierLeaf);
        }
        ledger.recordDispute(root, leaf, operation.source, msg.sender, DisputeReason.DuplicateRecord);
    }

    /// @inheritdoc IDataBlockJudge
    function leafHash(SignedOperation calldata operation) external pure returns (bytes32) {
        return RecordHashing.leafHash(operation);
    }

    /// @inheritdoc IDataBlockJudge
    function verdict(
        bytes32 root,
        SignedOperation calldata operation
    ) external view returns (bool valid, DisputeReason reason) {
        DataBlockView memory dataBlock = ledger.getDataBlock(root);
        if (dataBlock.status == DataBlockStatus.None) revert DataBlockJudgeUnknownDataBlock(root);
        return _verdict(dataBlock, operation);
    }

    function _includedUndisputed(
        bytes32 root,
        SignedOperation calldata operation,
        bytes32[] calldata proof
    ) private view returns (DataBlockView memory dataBlock, bytes32 leaf) {
        dataBlock = ledger.getDataBlock(root);
        if (dataBlock.status == DataBlockStatus.None) revert DataBlockJudgeUnknownDataBlock(root);
        leaf = RecordHashing.leafHash(operation);
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert DataBlockJudgeInvalidProof(root, leaf);
        if (ledger.isOperationDisputed(root, leaf)) revert DataBlockJudgeAlreadyDisputed(root, leaf);
    }

    /// @dev The rules of IDataBlockJudge, in its order, at the block's anchoring second.
    function _verdict(
        DataBlockView memory dataBlock,
        SignedOperation calldata operation
    ) private view returns (bool valid, DisputeReason reason) {
        uint48 anchoredAt = dataBlock.anchoredAt;
        address source = operation.source;
        bytes32 formatId = operation.record.formatId;
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(
            ledger.hashRecord(operation.record, operation.deadline, operation.epoch),
            operation.signature
        );
        if (error != ECDSA.RecoverError.NoError || signer != source) return (false, DisputeReason.InvalidSignature);
        if (operation.deadline < anchoredAt) return (false, DisputeReason.ExpiredSignature);
        if (!ledger.wasActiveSourceAt(source, anchoredAt)) return (false, DisputeReason.InactiveSource);
        uint64 sourceId = ledger.sourceIdOf(source);
        if (!ledger.wasEpochAt(sourceId, operation.epoch, anchoredAt)) return (false, DisputeReason.StaleEpoch);
        Format memory format = ledger.getFormat(formatId);
        if (format.status == FormatStatus.None) return (false, DisputeReason.UnknownFormat);
        if (format.deprecatedAt != 0 && format.deprecatedAt < anchoredAt) {
            return (false, DisputeReason.DeprecatedFormat);
        }
        if (!ledger.wasFormatAllowedAt(sourceId, formatId, anchoredAt)) {
            return (false, DisputeReason.FormatNotAllowed);
        }
        uint48 sampledAt = operation.record.sampledAt;
        if (sampledAt < dataBlock.firstSampledAt || sampledAt > dataBlock.lastSampledAt) {
            return (false, DisputeReason.OutsideSampledRange);
        }
        RecordView memory direct = ledger.getRecord(_recordId(operation));
        if (direct.status != RecordStatus.None && direct.recordedAt < anchoredAt) {
            return (false, DisputeReason.DuplicateRecord);
        }
        return (true, reason);
    }

    function _recordId(SignedOperation calldata operation) private pure returns (bytes32) {
        return RecordHashing.recordId(operation.source, operation.record.dataHash, operation.record.sampledAt);
    }
}
