// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RecordInput, SignedOperation} from "../types/DataLedgerTypes.sol";

/// @title RecordHashing
/// @notice The on-chain definition of the record's hashing rules, shared by the ledger and its
/// data block judge (the SDK's `hashRecordStruct`, `leafHash` and `recordId` mirror it, with a
/// parity test).
library RecordHashing {
    /// @notice EIP-712 type of a source-signed record.
    bytes32 internal constant RECORD_TYPEHASH = keccak256(
        "Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline,uint32 epoch)"
    );

    /// @notice The EIP-712 struct hash of `record` signed with `deadline` in the source's `epoch`.
    function structHash(RecordInput calldata record, uint48 deadline, uint32 epoch) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    RECORD_TYPEHASH,
                    record.dataHash,
                    record.formatId,
                    record.metadataHash,
                    record.sampledAt,
                    keccak256(bytes(record.uri)),
                    deadline,
                    epoch
                )
            );
    }

    /// @notice The Merkle leaf of a signed operation, hashed twice to keep leaves apart from inner
    /// nodes, as OpenZeppelin's StandardMerkleTree does.
    function leafHash(SignedOperation calldata operation) internal pure returns (bytes32) {
        bytes32 inner = keccak256(
            abi.encode(
                operation.source,
                structHash(operation.record, operation.deadline, operation.epoch),
                operation.deadline,
                keccak256(operation.signature)
            )
        );
        return keccak256(bytes.concat(inner));
    }

    /// @notice The id of the record `source` states about the reading (`dataHash`, `sampledAt`).
    function recordId(address source, bytes32 dataHash, uint48 sampledAt) internal pure returns (bytes32) {
        return keccak256(abi.encode(source, dataHash, sampledAt));
    }
}
