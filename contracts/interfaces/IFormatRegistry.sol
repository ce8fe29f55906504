// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Format} from "../types/DataLedgerTypes.sol";

/// @title IFormatRegistry
/// @notice The "specified data formats" of Y.4561 clauses 6.2.2 and 8.6 step 1. A format is a
/// JSON Schema document kept off-chain; on-chain it is identified by the keccak256 hash of the
/// document, so a validator can check it fetched the right schema.
interface IFormatRegistry {
    /// @notice The schema hash is zero.
    error FormatRegistryZeroSchemaHash();

    /// @notice A format with this schema hash is already registered.
    error FormatRegistryAlreadyRegistered(bytes32 formatId);

    /// @notice Another format already uses this name and version.
    error FormatRegistryDuplicateVersion(string name, string version);

    /// @notice No format has this id.
    error FormatRegistryUnknownFormat(bytes32 formatId);

    /// @notice The format is deprecated: no new record may use it.
    error FormatRegistryDeprecatedFormat(bytes32 formatId);

    /// @notice The flags name a bit no `FORMAT_*` constant defines.
    error FormatRegistryUnknownFlags(uint16 flags);

    /// @notice A format was registered.
    event FormatRegistered(
        bytes32 indexed formatId,
        uint32 index,
        string name,
        string version,
        string uri,
        uint16 flags
    );

    /// @notice A format was deprecated.
    event FormatDeprecated(bytes32 indexed formatId);

    /// @notice Registers a format. Operators only.
    /// @param schemaHash keccak256 of the JSON Schema document; becomes the format id.
    /// @param name Format name.
    /// @param version Format version; (name, version) must be unique.
    /// @param uri Where the schema document lives.
    /// @param flags `FORMAT_*` bits, fixed for the format's life: `FORMAT_UNIQUE_DATA_HASHES` makes
    /// the registry refuse a record whose data hash an active record of any source already holds;
    /// `FORMAT_CONFIDENTIAL` says its payloads are sealed envelopes (the data hash is the hash of
    /// the envelope without its key wraps), which the gateway checks instead of the JSON Schema.
    /// @return formatId The format's id (equal to `schemaHash`).
    function registerFormat(
        bytes32 schemaHash,
        string calldata name,
        string calldata version,
        string calldata uri,
        uint16 flags
    ) external returns (bytes32 formatId);

    /// @notice Deprecates a format: records already anchored keep it, new ones cannot use it. Operators only.
    function deprecateFormat(bytes32 formatId) external;

    /// @notice The format with this id.
    function getFormat(bytes32 formatId) external view returns (Format memory);

    /// @notice The id of the format with this compact index.
    function formatIdAt(uint32 index) external view returns (bytes32);

    /// @notice How many formats were ever registered.
    function formatCount() external view returns (uint32);
}
