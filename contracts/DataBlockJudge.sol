// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.29;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IDataBlockJudge} from "./interfaces/IDataBlockJudge.sol";
import {IDataLedger} from "./interfaces/IDataLedger.sol";
import {RecordHashing} from "./libraries/RecordHashing.sol";
import {
    DataBlockStatus,
    DataBlockView,
    DisputeReason,
    FORMAT_UNIQUE_DATA_HASHES,
    FormatStatus,
    Format,
    RecordStatus,
    RecordView,
    SignedOperation
} from "./types/DataLedgerTypes.sol";

/// @title DataBlockJudge
/// @notice Judges data block challenges for one DataLedger; see IDataBlockJudge for the rules.
/// @dev A contract of its own so the ledger stays under the 24,576-byte code limit: challenges
/// and inclusion proofs are rare on-chain, read the ledger through its views, and cost what they
/// cost.
contract DataBlockJudge is IDataBlockJudge {
    /// @inheritdoc IDataBlockJudge
    IDataLedger public immutable ledger;

    /// @param ledger_ The ledger; it deploys its judge from its own constructor.
    constructor(IDataLedger ledger_) {
        ledger = ledger_;
    }

    /// @inheritdoc IDataBlockJudge
    function challenge(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof
    ) external returns (DisputeReason reason) {
        (DataBlockView memory dataBlock, bytes32 leaf) = _includedUndisputed(blockId, operation, index, proof);
        bool valid;
        (valid, reason) = _verdict(dataBlock, operation);
        if (valid) revert DataBlockJudgeValidOperation(blockId, leaf);
        ledger.recordDispute(blockId, leaf, operation.source, msg.sender, reason);
    }

    /// @inheritdoc IDataBlockJudge
    function challengeDuplicate(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof,
        bytes32 earlierBlockId,
        SignedOperation calldata earlier,
        uint256 earlierIndex,
        bytes32[] calldata earlierProof
    ) external {
        (DataBlockView memory dataBlock, bytes32 leaf) = _includedUndisputed(blockId, operation, index, proof);
        (DataBlockView memory earlierBlock, bytes32 earlierLeaf) = _includedUndisputed(
            earlierBlockId,
            earlier,
            earlierIndex,
            earlierProof
        );
        // First in time wins; in the same second the smaller blockId does, and within one block
        // the smaller position, so exactly one of two copies can be struck, never both. The same
        // operation twice in one block is one operation (disputes are kept per leaf).
        bool first =
            earlierBlockId == blockId
                ? earlierIndex < index && earlierLeaf != leaf
                : earlierBlock.anchoredAt < dataBlock.anchoredAt ||
                    (earlierBlock.anchoredAt == dataBlock.anchoredAt && earlierBlockId < blockId);
        (bool earlierValid, ) = _verdict(earlierBlock, earlier);
        if (!first || !earlierValid || _recordId(earlier) != _recordId(operation)) {
            revert DataBlockJudgeNotDuplicate(blockId, leaf, earlierBlockId, earlierLeaf);
        }
        ledger.recordDispute(blockId, leaf, operation.source, msg.sender, DisputeReason.DuplicateRecord);
    }

    /// @inheritdoc IDataBlockJudge
    function challengeCount(bytes32 blockId, uint256 index, bytes32 slot, bytes32[] calldata proof) external {
        DataBlockView memory dataBlock = _dataBlock(blockId);
        if (!_placed(dataBlock, slot, index, proof)) revert DataBlockJudgeInvalidProof(blockId, slot);
        if (ledger.isOperationDisputed(blockId, slot)) revert DataBlockJudgeAlreadyDisputed(blockId, slot);
        if ((index < dataBlock.count) != (slot == bytes32(0))) revert DataBlockJudgeCountHolds(blockId, index, slot);
        ledger.recordDispute(blockId, slot, address(0), msg.sender, DisputeReason.WrongCount);
    }

    /// @inheritdoc IDataBlockJudge
    function verifyInclusion(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (bool) {
        DataBlockView memory dataBlock = ledger.getDataBlock(blockId);
        if (dataBlock.status == DataBlockStatus.None || index >= dataBlock.count) return false;
        // The leaf is hashed here, from the operation and the block's gateway, never taken as
        // given: a raw leaf argument would let the root itself or an inner node "verify". A struck
        // operation does not verify; its neighbours do.
        bytes32 leaf = RecordHashing.leafHash(dataBlock.gateway, operation);
        return _placed(dataBlock, leaf, index, proof) && !ledger.isOperationDisputed(blockId, leaf);
    }

    /// @inheritdoc IDataBlockJudge
    function dataBlockIdOf(address gateway, bytes32 root) external pure returns (bytes32) {
        return RecordHashing.dataBlockId(gateway, root);
    }

    /// @inheritdoc IDataBlockJudge
    function leafHash(address gateway, SignedOperation calldata operation) external pure returns (bytes32) {
        return RecordHashing.leafHash(gateway, operation);
    }

    /// @inheritdoc IDataBlockJudge
    function verdict(
        bytes32 blockId,
        SignedOperation calldata operation
    ) external view returns (bool valid, DisputeReason reason) {
        return _verdict(_dataBlock(blockId), operation);
    }

    function _dataBlock(bytes32 blockId) private view returns (DataBlockView memory dataBlock) {
        dataBlock = ledger.getDataBlock(blockId);
        if (dataBlock.status == DataBlockStatus.None) revert DataBlockJudgeUnknownDataBlock(blockId);
    }

    function _includedUndisputed(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof
    ) private view returns (DataBlockView memory dataBlock, bytes32 leaf) {
        dataBlock = _dataBlock(blockId);
        leaf = RecordHashing.leafHash(dataBlock.gateway, operation);
        // An operation sits below the count; past it is `challengeCount`'s business.
        if (index >= dataBlock.count || !_placed(dataBlock, leaf, index, proof)) {
            revert DataBlockJudgeInvalidProof(blockId, leaf);
        }
        if (ledger.isOperationDisputed(blockId, leaf)) revert DataBlockJudgeAlreadyDisputed(blockId, leaf);
    }

    /// @dev Whether `slot` sits at position `index` of the block's tree: exactly the depth its
    /// count gives, a position inside it, and a root whose id with the block's gateway is the block's.
    function _placed(
        DataBlockView memory dataBlock,
        bytes32 slot,
        uint256 index,
        bytes32[] calldata proof
    ) private pure returns (bool) {
        uint256 depth = RecordHashing.dataBlockDepth(dataBlock.count);
        return
            proof.length == depth &&
            index >> depth == 0 &&
            RecordHashing.dataBlockId(dataBlock.gateway, RecordHashing.dataBlockRoot(slot, index, proof)) ==
                dataBlock.blockId;
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
            _digest(dataBlock.chainId, operation),
            operation.signature
        );
        if (error != ECDSA.RecoverError.NoError || signer != source) return (false, DisputeReason.InvalidSignature);
        if (operation.deadline < anchoredAt) return (false, DisputeReason.ExpiredSignature);
        if (!ledger.wasSourceActiveAt(source, anchoredAt)) return (false, DisputeReason.InactiveSource);
        uint64 sourceId = ledger.sourceIdOf(source);
        if (!ledger.wasSourceEpochAt(sourceId, operation.epoch, anchoredAt)) return (false, DisputeReason.StaleEpoch);
        Format memory format = ledger.getFormat(formatId);
        if (format.status == FormatStatus.None) return (false, DisputeReason.UnknownFormat);
        // Fixed at registration, so this verdict cannot flip: the holder rule needs the ledger to
        // see each record as it is anchored, which a block's operations never are.
        if (format.flags & FORMAT_UNIQUE_DATA_HASHES != 0) return (false, DisputeReason.UniqueDataHashFormat);
        if (format.deprecatedAt != 0 && format.deprecatedAt < anchoredAt) {
            return (false, DisputeReason.DeprecatedFormat);
        }
        if (!ledger.wasAllowedFormatAt(sourceId, formatId, anchoredAt)) {
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

    /// @dev The EIP-712 digest of `operation` in the ledger's domain on chain `chainId`, the chain
    /// its block was anchored under: a later chain-id change (a fork) does not make honest
    /// historical signatures invalid, and a block anchored after it is judged in the new domain.
    function _digest(uint256 chainId, SignedOperation calldata operation) private view returns (bytes32) {
        (, string memory name, string memory version, , , , ) = IERC5267(address(ledger)).eip712Domain();
        return
            MessageHashUtils.toTypedDataHash(
                RecordHashing.domainSeparator(name, version, chainId, address(ledger)),
                RecordHashing.structHash(operation.record, operation.deadline, operation.epoch)
            );
    }

    function _recordId(SignedOperation calldata operation) private pure returns (bytes32) {
        return RecordHashing.recordId(operation.source, operation.record.dataHash, operation.record.sampledAt);
    }
}
