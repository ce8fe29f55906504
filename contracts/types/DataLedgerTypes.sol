// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Lifecycle of a data source (Y.4561 clause 8.1). `Revoked` is final.
enum SourceStatus {
    None,
    Active,
    Suspended,
    Revoked
}

/// @notice Lifecycle of a registered data format (Y.4561 clause 6.2.2).
enum FormatStatus {
    None,
    Active,
    Deprecated
}

/// @notice Lifecycle of an anchored record. `Superseded` and `Revoked` are final.
enum RecordStatus {
    None,
    Active,
    Superseded,
    Revoked
}

/// @notice Lifecycle of a data block (positional Merkle tree of operations). `Disputed`: at least
/// one challenge succeeded against it (its other operations still stand).
enum DataBlockStatus {
    None,
    Anchored,
    Disputed
}

/// @dev Format flag: at most one active record holds each data hash of the format (for example
/// copyright deposits, where the first depositor of a fingerprint is the one the registry names).
uint16 constant FORMAT_UNIQUE_DATA_HASHES = 1;

/// @dev Format flag: the format's payloads are sealed envelopes (README, "Confidential payloads").
/// The data hash is the hash of the envelope without its key wraps, so anyone checks integrity
/// and only a reader holding a wrap reads; the ledger anchors it like any other, the gateway
/// checks the envelope instead of the JSON Schema, and the SDK seals before a payload leaves the
/// device. Nothing on-chain reads it: it is a statement of the format, fixed at registration.
uint16 constant FORMAT_CONFIDENTIAL = 2;

/// @dev Every bit a `FORMAT_*` constant defines; `registerFormat` refuses any other.
uint16 constant FORMAT_KNOWN_FLAGS = FORMAT_UNIQUE_DATA_HASHES | FORMAT_CONFIDENTIAL;

/// @notice Why a data block challenge succeeded: the rule of the direct path the operation broke,
/// or the block's own claim that was wrong (see `IDataBlockJudge` for how each is judged at the
/// block's anchoring second). New values are only ever appended, so stored and emitted values keep
/// their meaning.
enum DisputeReason {
    InvalidSignature,
    InactiveSource,
    ExpiredSignature,
    UnknownFormat,
    DeprecatedFormat,
    FormatNotAllowed,
    OutsideSampledRange,
    DuplicateRecord,
    StaleEpoch,
    // The block's `count` disagrees with its tree (`IDataBlockJudge.challengeCount`).
    WrongCount,
    // The operation's format has `FORMAT_UNIQUE_DATA_HASHES`: such records go direct or relayed only.
    UniqueDataHashFormat
}

/// @notice A data source as the registry keeps it.
/// @param signer The source's current signing key.
/// @param owner The account responsible for the source (may rotate its key).
/// @param status Current lifecycle status.
/// @param registeredAt Block timestamp of registration.
/// @param epoch The signing epoch a relayed or batched signature must name; it starts at 0 and
/// grows at every status change and key rotation, so those cancel every earlier signature.
/// @param metadataHash Hash of the source's off-chain description document.
/// @param metadataURI Where that document lives.
struct Source {
    address signer;
    SourceStatus status;
    uint48 registeredAt;
    uint32 epoch;
    address owner;
    bytes32 metadataHash;
    string metadataURI;
}

/// @notice A registered data format: a JSON Schema document kept off-chain, identified by its hash.
/// @param index Compact sequential number, used to pack records into one storage slot.
/// @param status Current lifecycle status.
/// @param registeredAt Block timestamp of registration.
/// @param flags Bit set of `FORMAT_*` flags fixed at registration (see `IFormatRegistry`).
/// @param deprecatedAt Block timestamp of deprecation, 0 while active.
/// @param name Human-readable name, e.g. "air-quality".
/// @param version Version label, e.g. "1.0.0"; (name, version) is unique.
/// @param uri Where the schema document lives.
struct Format {
    uint32 index;
    FormatStatus status;
    uint48 registeredAt;
    uint16 flags;
    uint48 deprecatedAt;
    string name;
    string version;
    string uri;
}

/// @notice What a data source states about one data item (Y.4561 clause 8.6 step 3), the
/// payload of every submission path.
/// @param dataHash keccak256 of the canonical (RFC 8785) payload.
/// @param formatId Id of the registered format the payload conforms to.
/// @param metadataHash keccak256 of the canonical metadata (description) document.
/// @param sampledAt When the source produced the data (unix seconds, source clock).
/// @param uri Where the payload can be fetched (may be empty).
struct RecordInput {
    bytes32 dataHash;
    bytes32 formatId;
    bytes32 metadataHash;
    uint48 sampledAt;
    string uri;
}

/// @notice An anchored record, as returned by lookups. Its data hash is not stored (the id commits
/// to it, and `RecordAnchored` carries it, indexed): a caller asks by id, which it computes from the
/// operation with `recordIdOf`, or finds by data hash through the event.
struct RecordView {
    bytes32 recordId;
    uint64 sourceId;
    bytes32 formatId;
    uint48 sampledAt;
    uint48 recordedAt;
    RecordStatus status;
    uint16 revocationReason;
    bool revokedByOperator;
    bytes32 replaces;
    bytes32 supersededBy;
}

/// @notice An anchored data block, as returned by lookups. Its Merkle root is not stored (the id
/// commits to it, and `DataBlockAnchored` carries it, indexed).
/// @param blockId `dataBlockIdOf(gateway, root)`: keccak256(abi.encode(gateway, root)).
/// @param gateway The gateway that anchored it; its leaves are hashed with this address.
/// @param count Number of operations: positions 0 .. count - 1 of its tree.
/// @param firstSampledAt Earliest `sampledAt` it claims.
/// @param lastSampledAt Latest `sampledAt` it claims.
/// @param anchoredAt Block timestamp of anchoring: the second every rule is judged at.
/// @param chainId The chain id it was anchored under: its operations' signatures are judged in
/// the EIP-712 domain of that chain id.
/// @param status Anchored, or Disputed once a challenge succeeded.
struct DataBlockView {
    bytes32 blockId;
    address gateway;
    uint32 count;
    uint48 firstSampledAt;
    uint48 lastSampledAt;
    uint48 anchoredAt;
    uint256 chainId;
    DataBlockStatus status;
}

/// @notice One leaf of a data block: a source-signed operation.
/// @param source The signing key the operation is attributed to.
/// @param record The signed record.
/// @param deadline The signature's deadline: the last second it may be used (unix seconds).
/// @param epoch The source's signing epoch the signature was made in (`Source.epoch`).
/// @param signature The source's EIP-712 signature over (record, deadline, epoch).
struct SignedOperation {
    address source;
    RecordInput record;
    uint48 deadline;
    uint32 epoch;
    bytes signature;
}
