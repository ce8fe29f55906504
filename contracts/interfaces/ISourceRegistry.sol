// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Source, SourceStatus} from "../types/DataLedgerTypes.sol";

/// @title ISourceRegistry
/// @notice Identify, bind and authenticate data sources (Y.4561 clause 8.1).
/// @dev A source has a stable numeric id and one current signing key. Keys are never reused:
/// once a key was bound to a source it cannot be bound again, so a signature always names
/// one source. Binding a key (`registerSource`, `rotateSourceKey`) needs that key's EIP-712
/// signature of `SourceKey(address key,address owner)` in the ledger's domain (see
/// `hashKeyProof`): a proof of possession naming the owner the key accepts, so nobody can bind a
/// device's key before the device does, nor reuse a proof for another owner, chain or ledger.
/// The status history of every source is checkpointed so data block challenges can
/// ask whether a key was active at a past time.
///
/// The ledger's SOURCE_ROLE is derived from this registry (the current key of an active source),
/// and every change of it is announced as AccessControl announces any role, by the ledger's
/// `RoleGranted(SOURCE_ROLE, key, sender)` and `RoleRevoked(SOURCE_ROLE, key, sender)`, emitted
/// after the registry's own event and only when `hasRole(SOURCE_ROLE, key)` actually changes:
/// - `registerSource`: granted to the signer;
/// - `suspendSource`: revoked from the current key; `reactivateSource`: granted to it again;
/// - `revokeSource`: revoked from the current key if the source was active (a suspended one's
///   key holds no role already);
/// - `rotateSourceKey` of an active source: revoked from the old key, granted to the new one
///   (of a suspended source: neither holds it, before or after, so no role event).
/// Replaying them in log order therefore gives `hasRole(SOURCE_ROLE, key)` at every block, the
/// same way as for the granted roles.
interface ISourceRegistry {
    /// @notice The zero address was given where an account is required.
    error SourceRegistryZeroAddress();

    /// @notice The key is, or once was, bound to a source.
    /// @param key The key.
    /// @param sourceId The source it is bound to.
    error SourceRegistryKeyAlreadyBound(address key, uint64 sourceId);

    /// @notice `keyProof` is not `key`'s signature of `hashKeyProof(key, owner)` for the owner
    /// the key is being bound to.
    /// @param key The key being bound.
    error SourceRegistryInvalidKeyProof(address key);

    /// @notice No source has this id.
    error SourceRegistryUnknownSource(uint64 sourceId);

    /// @notice The key is not the current key of an active source.
    /// @param key The key that tried to act as a source.
    error SourceRegistryInactiveSource(address key);

    /// @notice The operation needs a different source status.
    /// @param sourceId The source.
    /// @param status Its current status.
    error SourceRegistryInvalidStatus(uint64 sourceId, SourceStatus status);

    /// @notice The source may not submit records in this format.
    error SourceRegistryFormatNotAllowed(uint64 sourceId, bytes32 formatId);

    /// @notice The caller is neither an operator nor the source's owner.
    error SourceRegistryUnauthorized(address account, uint64 sourceId);

    /// @notice A source was registered.
    event SourceRegistered(
        uint64 indexed sourceId,
        address indexed signer,
        address indexed owner,
        bytes32 metadataHash,
        string metadataURI
    );

    /// @notice A format was allowed or disallowed for a source.
    event SourceFormatSet(uint64 indexed sourceId, bytes32 indexed formatId, bool allowed);

    /// @notice A source's status changed (suspended, reactivated or revoked).
    /// @param reasonCode Operator-defined reason, 0 when none.
    event SourceStatusChanged(uint64 indexed sourceId, SourceStatus status, uint16 reasonCode);

    /// @notice A source moved to a new signing epoch (at every status change and key rotation):
    /// signatures made in earlier epochs no longer anchor anything.
    event SourceEpochChanged(uint64 indexed sourceId, uint32 epoch);

    /// @notice A source's signing key was replaced.
    event SourceKeyRotated(uint64 indexed sourceId, address indexed previousSigner, address indexed newSigner);

    /// @notice Registers a data source. Operators only.
    /// @param signer The source's signing key; must never have been bound before.
    /// @param owner The account responsible for the source.
    /// @param metadataHash Hash of the source's description document.
    /// @param metadataURI Where the description lives.
    /// @param formatIds Formats the source may submit; each must be registered and active.
    /// @param keyProof `signer`'s signature of `hashKeyProof(signer, owner)` (65-byte r, s, v).
    /// @return sourceId The new source's id (sequential, starting at 1).
    function registerSource(
        address signer,
        address owner,
        bytes32 metadataHash,
        string calldata metadataURI,
        bytes32[] calldata formatIds,
        bytes calldata keyProof
    ) external returns (uint64 sourceId);

    /// @notice Allows or disallows formats for a source. Operators only.
    function setSourceFormats(uint64 sourceId, bytes32[] calldata formatIds, bool allowed) external;

    /// @notice Suspends an active source: its key can no longer submit. Operators only.
    function suspendSource(uint64 sourceId, uint16 reasonCode) external;

    /// @notice Reactivates a suspended source. Operators only.
    function reactivateSource(uint64 sourceId) external;

    /// @notice Revokes a source for good. Operators only.
    function revokeSource(uint64 sourceId, uint16 reasonCode) external;

    /// @notice Replaces a source's signing key. Operators or the source's owner.
    /// @dev The old key stops authenticating at once; signatures it made before stay attributable.
    /// @param keyProof `newSigner`'s signature of `hashKeyProof(newSigner, owner)` with the
    /// source's owner, also when an operator rotates.
    function rotateSourceKey(uint64 sourceId, address newSigner, bytes calldata keyProof) external;

    /// @notice The source with this id.
    function getSource(uint64 sourceId) external view returns (Source memory);

    /// @notice The id of the source a key is or was bound to, 0 when none.
    function sourceIdOf(address key) external view returns (uint64);

    /// @notice Whether `key` is the current key of an active source.
    function isActiveSource(address key) external view returns (bool);

    // The three `was…At` views serve the data block judge. Their names sort their selectors after
    // the submission functions': the ledger's dispatcher compares selectors one by one, so each
    // function sorted before `submitRecord` costs every record ~22 gas.

    /// @notice Whether `key` could sign for a data block anchored in second `timestamp`: bound no
    /// later than that second, not rotated out before it, and its source active at the end of the
    /// second before or at the end of that second. Changes made in the anchoring second itself
    /// cannot make the key count as inactive (they have no order against the block a timestamp
    /// can show), so a source owner who rotates its key just after a block cannot get the block's
    /// honest operations disputed.
    function wasSourceActiveAt(address key, uint48 timestamp) external view returns (bool);

    /// @notice Whether `epoch` was `sourceId`'s signing epoch in second `timestamp`, by the same
    /// same-second rule as `wasSourceActiveAt`.
    function wasSourceEpochAt(uint64 sourceId, uint32 epoch, uint48 timestamp) external view returns (bool);

    /// @notice Whether `sourceId` was allowed `formatId` in second `timestamp`, by the same
    /// same-second rule as `wasSourceActiveAt`.
    function wasAllowedFormatAt(uint64 sourceId, bytes32 formatId, uint48 timestamp) external view returns (bool);

    /// @notice Whether the source may submit records in the format.
    function isFormatAllowed(uint64 sourceId, bytes32 formatId) external view returns (bool);

    /// @notice How many sources were ever registered.
    function sourceCount() external view returns (uint64);

    /// @notice The EIP-712 digest `key` signs to accept being bound to a source of `owner`: the
    /// struct `SourceKey(address key,address owner)` in the ledger's domain.
    /// @dev Named so its selector sorts after the submission functions': the ledger's dispatcher
    /// checks selectors one by one, and each one before `submitRecord` costs every record ~22 gas.
    function hashKeyProof(address key, address owner) external view returns (bytes32);
}
