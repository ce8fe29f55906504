// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataBlockView, DisputeReason, RecordInput, RecordStatus, RecordView} from "../types/DataLedgerTypes.sol";

/// @title IDataRegistry
/// @notice Records data items (Y.4561 clause 8.6 step 3: description, format, data hash,
/// timestamp) submitted three ways that end in the same record model:
/// 1. direct: an active source submits its own record;
/// 2. relayed: anyone submits a record carrying the source's EIP-712 signature;
/// 3. data block: a gateway anchors the root of a positional Merkle tree over many source-signed
///    operations (Y.4561 clause 7.1.1), each provable by inclusion proof and challengeable on-chain
///    (IDataBlockJudge). A block's id is `dataBlockIdOf(gateway, root)`, so two gateways never
///    compete for one root.
/// @dev A record is one source's statement about one reading. Its id is
/// `recordIdOf(source key, data hash, sampling time)` = keccak256(abi.encode(source, dataHash,
/// sampledAt)): the same payload from two sources, or from one source at two sampling times, is two
/// records, and a retry of the same signed record is the same record (idempotent). The id is
/// computable from the signed operation alone, by a device before it sends. It also makes a relayed
/// signature single-use without a nonce (replaying it hits `DataRegistryDuplicateRecord`), while
/// the EIP-712 domain (chain id, contract address) and the deadline stop cross-chain and late
/// replays. Records with a data hash are found through `RecordAnchored`, whose data hash is
/// indexed. A format registered with `FORMAT_UNIQUE_DATA_HASHES` allows one active record per data
/// hash (`dataHashHolder`), for applications that need one record per fingerprint.
///
/// Time limits are inclusive, here as in the access registry's grant expiry: a signature is usable
/// while `block.timestamp <= deadline` and expired once `block.timestamp > deadline`. A data block
/// operation was in time when `anchoredAt <= deadline`, so a challenge proves it expired only when
/// `deadline < anchoredAt`.
///
/// A data block remembers the chain id it was anchored under (`DataBlockView.chainId`): its
/// operations' signatures are judged in that chain's EIP-712 domain, so a chain-id change (a fork)
/// leaves historical blocks as valid as they were. The deployment chain costs no storage read;
/// later chain ids are kept in a small history.
interface IDataRegistry {
    /// @notice The data hash is zero.
    error DataRegistryZeroDataHash();

    /// @notice A record with this id is already anchored.
    /// @param recordId The record id.
    /// @param sourceId The source that anchored it.
    error DataRegistryDuplicateRecord(bytes32 recordId, uint64 sourceId);

    /// @notice The format's data hashes are unique, and an active record already holds this one.
    /// @param dataHash The data hash.
    /// @param recordId The record holding it.
    error DataRegistryDataHashHeld(bytes32 dataHash, bytes32 recordId);

    /// @notice No record has this id.
    error DataRegistryUnknownRecord(bytes32 recordId);

    /// @notice The operation needs an active record.
    error DataRegistryRecordNotActive(bytes32 recordId, RecordStatus status);

    /// @notice The signature's deadline has passed: `block.timestamp > deadline`.
    error DataRegistryExpiredSignature(uint48 deadline);

    /// @notice The signature was not made by the claimed source key.
    error DataRegistryInvalidSignature(address source);

    /// @notice The caller may not change this record: for an update it is not the record's source's
    /// current key; for a revocation it is neither that nor an operator.
    error DataRegistryUnauthorized(address account, bytes32 recordId);

    /// @notice The data block parameters are inconsistent.
    error DataRegistryInvalidDataBlock(bytes32 root, uint32 count, uint48 firstSampledAt, uint48 lastSampledAt);

    /// @notice The caller already anchored a data block with this root: `blockId` is taken.
    error DataRegistryDuplicateDataBlock(bytes32 blockId);

    /// @notice The ledger has anchored blocks under 255 chain ids after its deployment chain's and
    /// cannot remember another (a block's header keeps the chain id's index in 8 bits).
    error DataRegistryChainIdHistoryFull(uint256 chainId);

    /// @notice Only the ledger's data block judge records disputes.
    error DataRegistryNotJudge(address account);

    /// @notice A record was anchored (by any path, including as a new version).
    /// @param recordId The record id, `recordIdOf(signer, dataHash, sampledAt)`.
    /// @param dataHash keccak256 of the canonical payload: the filter for every record of a payload.
    /// @param sourceId The source it is attributed to.
    /// @param formatId Its format.
    /// @param signer The source's key that signed or sent it.
    /// @param metadataHash Hash of its metadata document.
    /// @param sampledAt When the source produced the data.
    /// @param uri Where the payload lives.
    event RecordAnchored(
        bytes32 indexed recordId,
        bytes32 indexed dataHash,
        uint64 indexed sourceId,
        bytes32 formatId,
        address signer,
        bytes32 metadataHash,
        uint48 sampledAt,
        string uri
    );

    /// @notice A record was replaced by a new version (anchored in the same transaction).
    event RecordUpdated(bytes32 indexed previousRecordId, bytes32 indexed recordId, address updatedBy);

    /// @notice A record was revoked; its history stays. `revokedBy` is the source's key or the
    /// operator who did it (`getRecord` tells which).
    event RecordRevoked(bytes32 indexed recordId, uint64 indexed sourceId, uint16 reasonCode, address revokedBy);

    /// @notice A gateway anchored a data block.
    /// @param blockId `dataBlockIdOf(gateway, root)`, the block's key in every other call.
    /// @param root Root of the block's positional Merkle tree (see `IDataBlockJudge`), whose leaves
    /// are `IDataBlockJudge.leafHash(gateway, operation)`.
    /// @param gateway The submitting gateway.
    /// @param count Number of operations in the block.
    /// @param firstSampledAt Earliest `sampledAt` among them.
    /// @param lastSampledAt Latest `sampledAt` among them.
    /// @param chainId The chain id it was anchored under (its signatures' EIP-712 domain).
    /// @param uri Where the block's operations are published, for challengers and verifiers.
    event DataBlockAnchored(
        bytes32 indexed blockId,
        bytes32 indexed root,
        address indexed gateway,
        uint32 count,
        uint48 firstSampledAt,
        uint48 lastSampledAt,
        uint256 chainId,
        string uri
    );

    /// @notice A challenge proved that an operation of a data block broke a rule, or that the
    /// block's count is wrong (`reason`); that operation (for `WrongCount`: that tree slot, `source`
    /// zero) is struck from the block, the others stand.
    event DataBlockDisputed(
        bytes32 indexed blockId,
        address indexed challenger,
        bytes32 leaf,
        address source,
        DisputeReason reason
    );

    /// @notice Anchors the caller's own record. The caller must be an active source key allowed
    /// to use the format.
    function submitRecord(RecordInput calldata record) external;

    /// @notice Anchors a record signed by a source key (EIP-712, see `hashRecord`). Anyone may relay.
    /// The signature must be made in the source's current epoch (`Source.epoch`), so a suspension,
    /// reactivation or key rotation since it was made cancels it.
    /// @param source The claimed signing key.
    /// @param record The record.
    /// @param deadline Last timestamp at which the signature may be used (inclusive).
    /// @param signature 65-byte ECDSA signature over (record, deadline, the source's epoch).
    function submitRecordBySig(
        address source,
        RecordInput calldata record,
        uint48 deadline,
        bytes calldata signature
    ) external;

    /// @notice Anchors a new version of an active record and marks the old one superseded. Only
    /// the record's source, through its current key while active and allowed the new format: a
    /// version is the source's own statement, so nobody else (an operator included) can make one.
    function updateRecord(bytes32 previousRecordId, RecordInput calldata record) external;

    /// @notice Revokes an active record with a reason code; the record stays readable. Callable by
    /// an operator, or by the record's source through its current key while the source is active
    /// (a suspended source may have a compromised key, so it cannot retract records). An
    /// operator's revocation is recorded as such (`RecordView.revokedByOperator`).
    function revokeRecord(bytes32 recordId, uint16 reasonCode) external;

    /// @notice Anchors a data block: `count` operations in a positional Merkle tree of depth
    /// ceil(log2(count)) with root `root` (see IDataBlockJudge), sampled within
    /// [`firstSampledAt`, `lastSampledAt`], published at `uri`. Gateways only. The same root from
    /// another gateway is another block (`dataBlockIdOf`), so nobody can take a root first.
    /// @return blockId `dataBlockIdOf(msg.sender, root)`.
    function submitDataBlock(
        bytes32 root,
        uint32 count,
        uint48 firstSampledAt,
        uint48 lastSampledAt,
        string calldata uri
    ) external returns (bytes32 blockId);

    /// @notice Strikes operation (or tree slot) `leaf` from block `blockId` for `reason`. Only the
    /// ledger's judge (`dataBlockJudge`), which anyone calls with the proof (see IDataBlockJudge).
    /// The block's status becomes `Disputed` (it held an invalid operation or a wrong count) and
    /// its gateway's dispute count grows; the block's other operations keep verifying.
    function recordDispute(
        bytes32 blockId,
        bytes32 leaf,
        address source,
        address challenger,
        DisputeReason reason
    ) external;

    /// @notice The DataBlockJudge that hears challenges to this ledger's data blocks.
    function dataBlockJudge() external view returns (address);

    /// @notice Whether operation (or tree slot) `leaf` was struck from block `blockId`.
    function isOperationDisputed(bytes32 blockId, bytes32 leaf) external view returns (bool);

    /// @notice How many operations were struck from `gateway`'s blocks: what an operator reads
    /// before revoking a gateway's `GATEWAY_ROLE`.
    function disputesOf(address gateway) external view returns (uint32);

    /// @notice The record with this id (status `None` when there is none).
    function getRecord(bytes32 recordId) external view returns (RecordView memory);

    /// @notice The source id of the record under each of `recordIds`, 0 where there is none: a
    /// gateway's duplicate check of a whole bulk request in one call instead of one per record.
    function recordSourceIds(bytes32[] calldata recordIds) external view returns (uint64[] memory sourceIds);

    /// @notice The id of the record last given `dataHash` under a format with unique data hashes
    /// (zero when none); it holds the hash while it is active.
    function dataHashHolder(bytes32 dataHash) external view returns (bytes32);

    /// @notice The id of the record `source` states about the reading (`dataHash`, `sampledAt`):
    /// keccak256(abi.encode(source, dataHash, sampledAt)).
    function recordIdOf(address source, bytes32 dataHash, uint48 sampledAt) external pure returns (bytes32);

    /// @notice The data block with this id (status `None` when there is none). Inclusion proofs
    /// are checked by the judge (`IDataBlockJudge.verifyInclusion`).
    function getDataBlock(bytes32 blockId) external view returns (DataBlockView memory);

    /// @notice The id of `gateway`'s data block with Merkle root `root`:
    /// keccak256(abi.encode(gateway, root)).
    function dataBlockIdOf(address gateway, bytes32 root) external pure returns (bytes32);

    /// @notice The EIP-712 digest a source signs for `record` with `deadline` in its `epoch`.
    function hashRecord(RecordInput calldata record, uint48 deadline, uint32 epoch) external view returns (bytes32);
}
