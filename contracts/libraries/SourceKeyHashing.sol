// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title SourceKeyHashing
/// @notice The on-chain definition of a source key's proof of possession (Y.4561 clause 8.1, key
/// binding): the key signs, in the ledger's EIP-712 domain, that it accepts to be bound by `owner`
/// (the SDK's `sourceKeyTypes` and `signSourceKey` mirror it, with a parity test).
library SourceKeyHashing {
    /// @notice EIP-712 type of a key's consent to be bound to a source of `owner`.
    bytes32 internal constant SOURCE_KEY_TYPEHASH = keccak256("SourceKey(address key,address owner)");

    /// @notice The EIP-712 struct hash of `key`'s consent to be bound by `owner`.
    function structHash(address key, address owner) internal pure returns (bytes32) {
        return keccak256(abi.encode(SOURCE_KEY_TYPEHASH, key, owner));
    }
}
