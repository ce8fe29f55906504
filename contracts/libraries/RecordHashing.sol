// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {RecordInput, SignedOperation} from "../types/DataLedgerTypes.sol";

/// @title RecordHashing
/// @notice The on-chain definition of the record's and the data block's hashing rules, shared by
/// the ledger and its data block judge (the SDK's `hashRecordStruct`, `leafHash`, `dataBlockId`,
/// the positional tree and `recordId` mirror it, with a parity test).
library RecordHashing {
    /// @notice EIP-712 type of a source-signed record.
    bytes32 internal constant RECORD_TYPEHASH = keccak256(
        "Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline,uint32 epoch)"
    );

    /// @notice EIP-712 type of the domain, as OpenZeppelin's EIP712 builds it.
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
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

    /// @notice The EIP-712 domain separator of the ledger `verifyingContract` named `name`,
    /// `version` on chain `chainId`: the ledger's own (OpenZeppelin EIP712) when `chainId` is the
    /// current one, and the domain a data block's operations were signed in when it is the chain id
    /// the block was anchored under.
    function domainSeparator(
        string memory name,
        string memory version,
        uint256 chainId,
        address verifyingContract
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    DOMAIN_TYPEHASH,
                    keccak256(bytes(name)),
                    keccak256(bytes(version)),
                    chainId,
                    verifyingContract
                )
            );
    }

    /// @notice The leaf of a signed operation in a block of `gateway`:
    /// keccak256(bytes.concat(keccak256(abi.encode(gateway, source, structHash, deadline,
    /// keccak256(signature))))). The gateway is in the leaf so that another gateway anchoring a
    /// copy of the root cannot prove any operation in its copy; hashing twice (a 32-byte
    /// preimage) keeps leaves apart from inner nodes (64-byte preimages).
    function leafHash(address gateway, SignedOperation calldata operation) internal pure returns (bytes32) {
        bytes32 inner = keccak256(
            abi.encode(
                gateway,
                operation.source,
                structHash(operation.record, operation.deadline, operation.epoch),
                operation.deadline,
                keccak256(operation.signature)
            )
        );
        return keccak256(bytes.concat(inner));
    }

    /// @notice The id of `gateway`'s data block with Merkle root `root`:
    /// keccak256(abi.encode(gateway, root)). Per gateway, so that nobody can take a root first.
    function dataBlockId(address gateway, bytes32 root) internal pure returns (bytes32) {
        // The same 64 bytes as abi.encode(gateway, root), hashed in scratch space: on the path of
        // every block, an allocation in memory cost ~220 gas more.
        return Hashes.efficientKeccak256(bytes32(uint256(uint160(gateway))), root);
    }

    /// @notice The depth of the positional tree of a block of `count` operations:
    /// ceil(log2(count)), 0 for one operation (the root is then the leaf).
    function dataBlockDepth(uint256 count) internal pure returns (uint256 depth) {
        while ((uint256(1) << depth) < count) ++depth;
    }

    /// @notice The root of a positional tree in which `slot` sits at position `index`, with
    /// `siblings` from the leaf level up: bit k of `index` says whether the node at level k is a
    /// right child, and an inner node is keccak256(abi.encode(left, right)), not sorted, so a
    /// proof binds the position. The caller checks `siblings.length` (the depth) and `index`.
    function dataBlockRoot(
        bytes32 slot,
        uint256 index,
        bytes32[] calldata siblings
    ) internal pure returns (bytes32 node) {
        node = slot;
        for (uint256 k = 0; k < siblings.length; ++k) {
            node =
                (index >> k) & 1 == 0
                    ? Hashes.efficientKeccak256(node, siblings[k])
                    : Hashes.efficientKeccak256(siblings[k], node);
        }
    }

    /// @notice The id of the record `source` states about the reading (`dataHash`, `sampledAt`).
    function recordId(address source, bytes32 dataHash, uint48 sampledAt) internal pure returns (bytes32) {
        return keccak256(abi.encode(source, dataHash, sampledAt));
    }
}
