// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DisputeReason, SignedOperation} from "../types/DataLedgerTypes.sol";
import {IDataLedger} from "./IDataLedger.sol";

/// @title IDataBlockJudge
/// @notice Judges challenges to data blocks (Y.4561 clause 7.1.2: the processing FE validates
/// what it records). A gateway anchors a block without the ledger checking its operations; in
/// exchange every rule the direct path enforces, and the block's count, can be proved broken here,
/// for one operation at a time, and a proven operation is struck from its block
/// (`IDataRegistry.isOperationDisputed`) while its neighbours keep verifying.
///
/// The tree. A block of `count` operations is a positional binary Merkle tree of depth
/// d = ceil(log2(count)) (d = 0 for one operation: the root is the leaf). Operation i sits at
/// position i (0 <= i < count), in the gateway's order; positions count .. 2^d - 1 hold
/// bytes32(0). An inner node is keccak256(abi.encode(left, right)), unsorted. A proof is the
/// position `index` (< 2^d) and exactly d `siblings`, leaf level first; bit k of `index` says
/// whether the node at level k is a right child. A leaf is `leafHash(gateway, operation)`, with the
/// block's own gateway, and it must recompute a root r with `dataBlockIdOf(gateway, r) == blockId`.
/// Leaves have 32-byte preimages and inner nodes 64-byte ones, so no inner node passes as a leaf.
///
/// The rules of an operation, judged at the block's anchoring second (`anchoredAt`), where a
/// change made in that very second never counts against the block (`challenge`):
/// - `InvalidSignature`: not signed by `operation.source` in the EIP-712 domain of the chain id the
///   block was anchored under (`DataBlockView.chainId`; name and version from `eip712Domain()`,
///   verifying contract the ledger), so a later chain-id change leaves honest blocks valid;
/// - `ExpiredSignature`: `deadline < anchoredAt`;
/// - `InactiveSource`: the key was not an active source's current key (`wasSourceActiveAt`);
/// - `StaleEpoch`: signed in another epoch than the source's (`wasSourceEpochAt`): a suspension,
///   reactivation or rotation before the block cancelled it;
/// - `UnknownFormat`: the format was never registered;
/// - `UniqueDataHashFormat`: the format has `FORMAT_UNIQUE_DATA_HASHES` (fixed at registration):
///   its records go direct or relayed, where the ledger enforces the holder rule; a block cannot;
/// - `DeprecatedFormat`: deprecated before the anchoring second;
/// - `FormatNotAllowed`: the source was not allowed the format (`wasAllowedFormatAt`);
/// - `OutsideSampledRange`: `sampledAt` outside the block's `[firstSampledAt, lastSampledAt]`;
/// - `DuplicateRecord`: its record id was anchored directly before the anchoring second
///   (`challenge`), or is held by another valid operation that came first (`challengeDuplicate`):
///   one of a block anchored in an earlier second, or in the same second with a smaller blockId,
///   or one at a smaller position of the same block.
/// The checks run in that order and the first broken rule is the verdict.
///
/// The rule of the block (`challengeCount`): `WrongCount` when a slot proved at a position
/// `index < count` is bytes32(0) (the count claims more operations than the tree holds), or a slot
/// at `index >= count` is not (the tree holds an operation past the count).
///
/// Known limit: a slot whose content is not a valid operation leaf (random bytes, or a tree of
/// another depth than the count's) cannot be proved invalid by anyone, as its preimage is unknown;
/// no receipt can ever verify for it, so it costs its gateway the operations it claims.
/// @dev Deployed by the ledger's constructor, so the ledger knows its judge without any set-up
/// step; it reads the ledger through its views and reports verdicts with `recordDispute`.
interface IDataBlockJudge {
    /// @notice No data block has this id.
    error DataBlockJudgeUnknownDataBlock(bytes32 blockId);

    /// @notice The proof does not place `leaf` (an operation's leaf, or a slot) at a position of
    /// the block: `index` not below the count (operations) or 2^depth (slots), siblings not of the
    /// block's depth, or the root they recompute is not the block's.
    error DataBlockJudgeInvalidProof(bytes32 blockId, bytes32 leaf);

    /// @notice The operation (or slot) is already struck from the block.
    error DataBlockJudgeAlreadyDisputed(bytes32 blockId, bytes32 leaf);

    /// @notice The challenged operation breaks none of the rules.
    error DataBlockJudgeValidOperation(bytes32 blockId, bytes32 leaf);

    /// @notice The two operations do not make the challenged one a duplicate: other record ids,
    /// the same operation, the other one not first, or the other one not valid itself.
    error DataBlockJudgeNotDuplicate(bytes32 blockId, bytes32 leaf, bytes32 earlierBlockId, bytes32 earlierLeaf);

    /// @notice The slot agrees with the block's count: an operation below it, or bytes32(0) past it.
    error DataBlockJudgeCountHolds(bytes32 blockId, uint256 index, bytes32 slot);

    /// @notice The ledger whose blocks this judge judges.
    function ledger() external view returns (IDataLedger);

    /// @notice Strikes `operation`, at position `index` of block `blockId` (`proof` its siblings),
    /// when it breaks a rule other than a duplicate within blocks. Anyone may call.
    /// @return reason The rule it broke.
    function challenge(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof
    ) external returns (DisputeReason reason);

    /// @notice Strikes `operation` (at `index` of block `blockId`) as a duplicate of `earlier` (at
    /// `earlierIndex` of block `earlierBlockId`), a valid operation with the same record id that
    /// came first (see the rules above). Anyone may call.
    function challengeDuplicate(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof,
        bytes32 earlierBlockId,
        SignedOperation calldata earlier,
        uint256 earlierIndex,
        bytes32[] calldata earlierProof
    ) external;

    /// @notice Proves block `blockId`'s count wrong with the tree slot `slot` at position `index`
    /// (`proof` its siblings, of the depth the count gives): bytes32(0) at `index < count`, or
    /// anything else at `index >= count`. Records a `WrongCount` dispute (its leaf is `slot`, its
    /// source zero), which counts against the gateway; the block's operations keep verifying.
    /// Anyone may call.
    function challengeCount(bytes32 blockId, uint256 index, bytes32 slot, bytes32[] calldata proof) external;

    /// @notice Whether `operation` sits at position `index < count` of the anchored block
    /// `blockId` (`proof`: exactly depth siblings), its leaf hashed with the block's gateway, and
    /// is not struck from it. False for an unknown block.
    function verifyInclusion(
        bytes32 blockId,
        SignedOperation calldata operation,
        uint256 index,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice The id of `gateway`'s data block with Merkle root `root`:
    /// keccak256(abi.encode(gateway, root)), the key of `IDataRegistry.getDataBlock`.
    /// @dev Here rather than on the ledger, whose dispatcher checks selectors one by one: every
    /// function there sorted before `submitRecord` costs each record ~22 gas.
    function dataBlockIdOf(address gateway, bytes32 root) external pure returns (bytes32);

    /// @notice The Merkle leaf of a signed operation in a block of `gateway`:
    /// keccak256(bytes.concat(keccak256(abi.encode(gateway, source, structHash, deadline,
    /// keccak256(signature))))), where structHash is the EIP-712 struct hash of the record
    /// (`RECORD_TYPEHASH`) in the operation's epoch.
    function leafHash(address gateway, SignedOperation calldata operation) external pure returns (bytes32);

    /// @notice What `challenge` would find, without striking anything or checking inclusion: for
    /// watchtowers and verifiers. `valid` is false with the first broken rule as `reason`.
    function verdict(
        bytes32 blockId,
        SignedOperation calldata operation
    ) external view returns (bool valid, DisputeReason reason);
}
