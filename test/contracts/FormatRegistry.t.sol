// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IFormatRegistry} from "../../contracts/interfaces/IFormatRegistry.sol";
import {ISourceRegistry} from "../../contracts/interfaces/ISourceRegistry.sol";
import {FORMAT_CONFIDENTIAL, FORMAT_KNOWN_FLAGS, FORMAT_UNIQUE_DATA_HASHES, Format, FormatStatus, RecordStatus} from "../../contracts/types/DataLedgerTypes.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";

contract FormatRegistryTest is LedgerFixture {
    bytes32 internal constant FORMAT_TRAFFIC = keccak256("schema: traffic 2.1.0");

    function test_registerFormat_storesTheFormat() public {
        vm.warp(START + 500);
        vm.expectEmit(address(ledger));
        emit IFormatRegistry.FormatRegistered(FORMAT_TRAFFIC, 2, "traffic", "2.1.0", "ipfs://traffic", 0);
        vm.prank(operator);
        bytes32 id = ledger.registerFormat(FORMAT_TRAFFIC, "traffic", "2.1.0", "ipfs://traffic", 0);

        vm.assertEq(id, FORMAT_TRAFFIC, "format id is the schema hash");
        Format memory format = ledger.getFormat(id);
        vm.assertEq(uint256(format.index), 2, "index");
        vm.assertEq(uint256(format.status), uint256(FormatStatus.Active), "status");
        vm.assertEq(uint256(format.registeredAt), START + 500, "registeredAt");
        vm.assertEq(format.name, "traffic", "name");
        vm.assertEq(format.version, "2.1.0", "version");
        vm.assertEq(format.uri, "ipfs://traffic", "uri");
        vm.assertEq(ledger.formatIdAt(2), FORMAT_TRAFFIC, "formatIdAt");
        vm.assertEq(uint256(ledger.formatCount()), 3, "formatCount");
    }

    function test_registerFormat_indexesAreSequential() public view {
        vm.assertEq(ledger.formatIdAt(0), FORMAT_AIR, "index 0");
        vm.assertEq(ledger.formatIdAt(1), FORMAT_NOISE, "index 1");
        vm.assertEq(ledger.formatIdAt(2), bytes32(0), "index 2 unused");
        vm.assertEq(uint256(ledger.getFormat(FORMAT_NOISE).index), 1, "noise index");
    }

    function test_registerFormat_newVersionOfAName() public {
        vm.prank(operator);
        ledger.registerFormat(FORMAT_TRAFFIC, "air-quality", "1.1.0", "ipfs://air-1.1", 0);
        vm.assertEq(ledger.getFormat(FORMAT_TRAFFIC).version, "1.1.0", "version");
    }

    function test_registerFormat_nameVersionBoundaryIsUnambiguous() public {
        // ("ab", "c") and ("a", "bc") concatenate alike; they are different formats.
        vm.startPrank(operator);
        ledger.registerFormat(keccak256("s1"), "ab", "c", "", 0);
        ledger.registerFormat(keccak256("s2"), "a", "bc", "", 0);
        vm.stopPrank();
        vm.assertEq(uint256(ledger.formatCount()), 4, "both registered");
    }

    function test_registerFormat_revertsForNonOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, OPERATOR_ROLE)
        );
        vm.prank(admin);
        ledger.registerFormat(FORMAT_TRAFFIC, "traffic", "2.1.0", "", 0);
    }

    function test_registerFormat_revertsForZeroSchemaHash() public {
        vm.expectRevert(IFormatRegistry.FormatRegistryZeroSchemaHash.selector);
        vm.prank(operator);
        ledger.registerFormat(bytes32(0), "traffic", "2.1.0", "", 0);
    }

    function test_registerFormat_revertsForKnownSchemaHash() public {
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryAlreadyRegistered.selector, FORMAT_AIR));
        vm.prank(operator);
        ledger.registerFormat(FORMAT_AIR, "other-name", "9.9.9", "", 0);
    }

    function test_registerFormat_revertsForDeprecatedSchemaHash() public {
        vm.startPrank(operator);
        ledger.deprecateFormat(FORMAT_AIR);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryAlreadyRegistered.selector, FORMAT_AIR));
        ledger.registerFormat(FORMAT_AIR, "other-name", "9.9.9", "", 0);
        vm.stopPrank();
    }

    function test_registerFormat_revertsForTakenNameAndVersion() public {
        vm.expectRevert(
            abi.encodeWithSelector(IFormatRegistry.FormatRegistryDuplicateVersion.selector, "air-quality", "1.0.0")
        );
        vm.prank(operator);
        ledger.registerFormat(FORMAT_TRAFFIC, "air-quality", "1.0.0", "", 0);
    }

    function test_getFormat_unknownIsEmpty() public view {
        Format memory format = ledger.getFormat(FORMAT_TRAFFIC);
        vm.assertEq(uint256(format.status), uint256(FormatStatus.None), "status");
        vm.assertEq(format.name, "", "name");
    }

    // ---------------------------------------------------------------- deprecation

    function test_deprecateFormat_marksItDeprecated() public {
        vm.expectEmit(address(ledger));
        emit IFormatRegistry.FormatDeprecated(FORMAT_AIR);
        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_AIR);
        vm.assertEq(uint256(ledger.getFormat(FORMAT_AIR).status), uint256(FormatStatus.Deprecated), "status");
        vm.assertEq(ledger.formatIdAt(0), FORMAT_AIR, "index kept");
    }

    function test_deprecateFormat_revertsForNonOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, sourceKey, OPERATOR_ROLE)
        );
        vm.prank(sourceKey);
        ledger.deprecateFormat(FORMAT_AIR);
    }

    function test_deprecateFormat_revertsForUnknownFormat() public {
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryUnknownFormat.selector, FORMAT_TRAFFIC));
        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_TRAFFIC);
    }

    function test_deprecateFormat_revertsWhenAlreadyDeprecated() public {
        vm.startPrank(operator);
        ledger.deprecateFormat(FORMAT_AIR);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryDeprecatedFormat.selector, FORMAT_AIR));
        ledger.deprecateFormat(FORMAT_AIR);
        vm.stopPrank();
    }

    function test_deprecateFormat_blocksNewRecordsButKeepsOldOnes() public {
        bytes32 oldHash = keccak256("before");
        vm.prank(sourceKey);
        ledger.submitRecord(_record(oldHash));

        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_AIR);

        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryDeprecatedFormat.selector, FORMAT_AIR));
        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("after")));

        vm.assertEq(uint256(ledger.getRecord(_id(oldHash)).status), uint256(RecordStatus.Active), "old record");
        vm.assertEq(ledger.getRecord(_id(oldHash)).formatId, FORMAT_AIR, "old record format");
    }

    function test_deprecateFormat_cannotBeAllowedForSourcesAnyMore() public {
        vm.startPrank(operator);
        ledger.deprecateFormat(FORMAT_NOISE);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryDeprecatedFormat.selector, FORMAT_NOISE));
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        vm.stopPrank();
        vm.assertFalse(ledger.isFormatAllowed(sourceId, FORMAT_NOISE), "allowed");
    }

    function test_deprecateFormat_canStillBeDisallowed() public {
        vm.startPrank(operator);
        ledger.deprecateFormat(FORMAT_AIR);
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceFormatSet(sourceId, FORMAT_AIR, false);
        ledger.setSourceFormats(sourceId, _one(FORMAT_AIR), false);
        vm.stopPrank();
        vm.assertFalse(ledger.isFormatAllowed(sourceId, FORMAT_AIR), "still allowed");
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_registerFormat_onlyOperators(address caller) public {
        vm.assume(caller != operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, OPERATOR_ROLE)
        );
        vm.prank(caller);
        ledger.registerFormat(FORMAT_TRAFFIC, "traffic", "2.1.0", "", 0);
    }

    function testFuzz_registerFormat_roundTrip(
        bytes32 schemaHash,
        string calldata name,
        string calldata version,
        string calldata uri
    ) public {
        vm.assume(schemaHash != bytes32(0) && schemaHash != FORMAT_AIR && schemaHash != FORMAT_NOISE);
        vm.assume(keccak256(abi.encode(name, version)) != keccak256(abi.encode("air-quality", "1.0.0")));
        vm.assume(keccak256(abi.encode(name, version)) != keccak256(abi.encode("noise", "1.0.0")));

        vm.prank(operator);
        ledger.registerFormat(schemaHash, name, version, uri, 0);

        Format memory format = ledger.getFormat(schemaHash);
        vm.assertEq(format.name, name, "name");
        vm.assertEq(format.version, version, "version");
        vm.assertEq(format.uri, uri, "uri");
        vm.assertEq(ledger.formatIdAt(format.index), schemaHash, "index round trip");

        // The same (name, version) is now taken, whatever the schema hash.
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryDuplicateVersion.selector, name, version));
        vm.prank(operator);
        ledger.registerFormat(keccak256(abi.encode(schemaHash)), name, version, uri, 0);
    }

    function test_registerFormat_storesItsFlags() public {
        vm.expectEmit(address(ledger));
        emit IFormatRegistry.FormatRegistered(FORMAT_TRAFFIC, 2, "deposit", "1", "ipfs://d", FORMAT_UNIQUE_DATA_HASHES);
        vm.prank(operator);
        ledger.registerFormat(FORMAT_TRAFFIC, "deposit", "1", "ipfs://d", FORMAT_UNIQUE_DATA_HASHES);
        vm.assertEq(uint256(ledger.getFormat(FORMAT_TRAFFIC).flags), FORMAT_UNIQUE_DATA_HASHES, "flags");
        vm.assertEq(uint256(ledger.getFormat(FORMAT_AIR).flags), 0, "no flags");
    }

    function test_registerFormat_storesTheConfidentialFlag() public {
        uint16 flags = FORMAT_CONFIDENTIAL | FORMAT_UNIQUE_DATA_HASHES;
        vm.expectEmit(address(ledger));
        emit IFormatRegistry.FormatRegistered(FORMAT_TRAFFIC, 2, "sealed", "1", "ipfs://s", FORMAT_CONFIDENTIAL);
        vm.prank(operator);
        ledger.registerFormat(FORMAT_TRAFFIC, "sealed", "1", "ipfs://s", FORMAT_CONFIDENTIAL);
        vm.assertEq(uint256(ledger.getFormat(FORMAT_TRAFFIC).flags), FORMAT_CONFIDENTIAL, "flags");

        bytes32 both = keccak256("both");
        vm.prank(operator);
        ledger.registerFormat(both, "sealed-deposit", "1", "ipfs://b", flags);
        vm.assertEq(uint256(ledger.getFormat(both).flags), flags, "both flags");

        // The next bit up is still nobody's.
        uint16 unknown = FORMAT_CONFIDENTIAL << 1;
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryUnknownFlags.selector, unknown));
        vm.prank(operator);
        ledger.registerFormat(keccak256("next"), "next", "1", "", unknown);
    }

    /// @dev A bit no constant defines is refused, so a flag added later cannot be set by accident
    /// on a ledger that does not enforce it.
    function testFuzz_registerFormat_revertsForUnknownFlags(uint16 flags) public {
        vm.assume(flags & ~FORMAT_KNOWN_FLAGS != 0);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryUnknownFlags.selector, flags));
        vm.prank(operator);
        ledger.registerFormat(FORMAT_TRAFFIC, "traffic", "2.1.0", "", flags);
        vm.assertEq(uint256(ledger.getFormat(FORMAT_TRAFFIC).status), uint256(FormatStatus.None), "registered");
    }
}
