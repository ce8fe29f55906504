// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DisputeReason, SignedOperation} from "../types/DataLedgerTypes.sol";
import {IDataLedger} from "./IDataLedger.sol";

/// @title IDataBlockJudge
/// @notice Judges challenges to data blocks (Y.4561 clause 7.1.2: the processing FE validates
/// what it records). A gateway anchors a block without the ledger checking its operations; in
/// exchange every rule the direct path enforces can be proved broken here, for one operation at a
/// time, and a proven operation is struck from its block (`IDataRegistry.isOperationDisputed`)
/// while its neighbours keep verifying. The rules, judged at the block's anchoring second
/// (`anchoredAt`), where a change made in that very second never counts against the block:
/// - `InvalidSignature`: not signed by `operation.source` over the ledger's EIP-712 domain;
/// - `ExpiredSignature`: `deadline < anchoredAt`;
/// - `InactiveSource`: the key was not an active source's current key (`wasActiveSourceAt`);
/// - `StaleEpoch`: signed in another epoch than the source's (`wasEpochAt`): a suspension,
///   reactivation or rotation before the block cancelled it;
/// - `UnknownFormat`: the format was never registered;
/// - `DeprecatedFormat`: deprecated before the anchoring second;
/// - `FormatNotAllowed`: the source was not allowed the format (`wasFormatAllowedAt`);
/// - `OutsideSampledRange`: `sampledAt` outside the block's `[firstSampledAt, lastSampledAt]`;
/// - `DuplicateRecord`: its record id was anchored directly before the anchoring second
///   (`challenge`), or is held by a valid operation of a block anchored in an earlier second or by
///   a valid operation of the same block with a smaller leaf hash (`challengeDuplicate`).
/// The checks run in that order and the first broken rule is the verdict. Not provable here: a
/// block's `count` (a sorted-pair Merkle tree does not bind positions), see the README.
/// @dev Deployed by the ledger's constructor, so the ledger knows its judge without any set-up
/// step; it reads the ledger through its views and reports verdicts with `recordDispute`.
interface IDataBlockJudge {
    /// @notice No data block has this root.
    error DataBlockJudgeUnknownDataBlock(bytes32 root);

    /// @notice The proof does not place the operation's leaf under the root.
    error DataBlockJudgeInvalidProof(bytes32 root, bytes32 leaf);

    /// @notice The operation is already struck from the block.
    error DataBlockJudgeAlreadyDisputed(bytes32 root, bytes32 leaf);

    /// @notice The challenged operation breaks none of the rules.
    error DataBlockJudgeValidOperation(bytes32 root, bytes32 leaf);

    /// @notice The two operations do not make the challenged one a duplicate: other record ids,
    /// the same leaf, the other one not earlier, or the other one not valid itself.
    error DataBlockJudgeNotDuplicate(bytes32 root, bytes32 leaf, bytes32 earlierRoot, bytes32 earlierLeaf);

    /// @notice The ledger whose blocks this judge judges.
    function ledger() external view returns (IDataLedger);

    /// @notice Strikes `operation` from block `root` when it breaks a rule other than a duplicate
    /// within blocks. Anyone may call.
    /// @return reason The rule it broke.
    function challenge(
        bytes32 root,
        SignedOperation calldata operation,
        bytes32[] calldata proof
    ) external returns (DisputeReason reason);

    /// @notice Strikes `operation` from block `root` as a duplicate of `earlier`, a valid
    /// operation with the same record id that came first (see the rules above). Anyone may call.
    function challengeDuplicate(
        bytes32 root,
        SignedOperation calldata operation,
        bytes32[] calldata proof,
        bytes32 earlierRoot,
        SignedOperation calldata earlier,
        bytes32[] calldata earlierProof
    ) external;

    /// @notice The Merkle leaf of a signed operation:
    /// keccak256(bytes.concat(keccak256(abi.encode(source, structHash, deadline, keccak256(signature))))),
    /// where structHash is the EIP-712 struct hash of the record (`RECORD_TYPEHASH`). Hashing
    /// twice keeps leaves apart from inner nodes, as OpenZeppelin's StandardMerkleTree does.
    function leafHash(SignedOperation calldata operation) external pure returns (bytes32);

    /// @notice What `challenge` would find, without striking anything: for watchtowers and
    /// verifiers. `valid` is false with the first broken rule as `reason`.
    function verdict(
        bytes32 root,
        SignedOperation calldata operation
    ) external view returns (bool valid, DisputeReason reason);
}
