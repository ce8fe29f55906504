// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IDataRegistry} from "../../contracts/interfaces/IDataRegistry.sol";
import {IFormatRegistry} from "../../contracts/interfaces/IFormatRegistry.sol";
import {ISourceRegistry} from "../../contracts/interfaces/ISourceRegistry.sol";
import {
    FORMAT_UNIQUE_DATA_HASHES,
    DataBlockStatus,
    DataBlockView,
    DisputeReason,
    RecordInput,
    RecordStatus,
    RecordView,
    SignedOperation
} from "../../contracts/types/DataLedgerTypes.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";

contract DataRegistryTest is LedgerFixture {
    bytes32 internal constant DATA = keccak256("reading #1");
    uint48 internal constant DEADLINE = START + 1 hours;

    /// @dev Kept in storage: with viaIR a local copy of `block.chainid` may be re-read after
    /// `vm.chainId`.
    uint256 internal _deploymentChainId;

    // ---------------------------------------------------------------- EIP-712

    function test_recordTypehash_matchesItsPreimage() public view {
        vm.assertEq(ledger.RECORD_TYPEHASH(), RECORD_TYPEHASH, "RECORD_TYPEHASH");
    }

    function test_eip712Domain_namesTheLedger() public view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract, , ) = ledger
            .eip712Domain();
        vm.assertEq(name, "DataLedger", "name");
        vm.assertEq(version, "1", "version");
        vm.assertEq(chainId, block.chainid, "chainId");
        vm.assertEq(verifyingContract, address(ledger), "verifyingContract");
    }

    function test_hashRecord_isTheEip712Digest() public view {
        RecordInput memory record = _record(DATA);
        vm.assertEq(ledger.hashRecord(record, DEADLINE, 0), _digest(record, DEADLINE), "digest");
        // Every field is signed.
        RecordInput memory changed = _record(DATA);
        changed.uri = "ipfs://other";
        vm.assertNotEq(
            ledger.hashRecord(changed, DEADLINE, 0),
            ledger.hashRecord(record, DEADLINE, 0),
            "uri not signed"
        );
        vm.assertNotEq(ledger.hashRecord(record, DEADLINE + 1, 0), ledger.hashRecord(record, DEADLINE, 0), "deadline");
        vm.assertNotEq(ledger.hashRecord(record, DEADLINE, 1), ledger.hashRecord(record, DEADLINE, 0), "epoch");
    }

    function test_leafHash_isTheDoubleHashedOperationWithItsGateway() public view {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        vm.assertEq(judge.leafHash(gateway, op), _leaf(gateway, op), "leaf");
    }

    function test_dataBlockIdOf_isTheGatewayAndRoot() public view {
        bytes32 root = keccak256("root");
        vm.assertEq(ledger.dataBlockIdOf(gateway, root), keccak256(abi.encode(gateway, root)), "blockId");
        vm.assertNotEq(ledger.dataBlockIdOf(stranger, root), ledger.dataBlockIdOf(gateway, root), "per gateway");
    }

    // ---------------------------------------------------------------- direct submission

    function test_recordSourceIds_namesTheSourceOfEachRecordIdAndZeroElsewhere() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        bytes32[] memory hashes = new bytes32[](4);
        hashes[0] = keccak256("absent");
        hashes[1] = _id(DATA);
        hashes[2] = bytes32(0);
        hashes[3] = DATA; // the bare data hash is not a record id
        uint64[] memory ids = ledger.recordSourceIds(hashes);
        vm.assertEq(ids.length, 4, "one id per hash");
        vm.assertEq(uint256(ids[0]), 0, "absent");
        vm.assertEq(uint256(ids[1]), sourceId, "recorded");
        vm.assertEq(uint256(ids[2]), 0, "zero hash");
        vm.assertEq(uint256(ids[3]), 0, "data hash");
        vm.assertEq(ledger.recordSourceIds(new bytes32[](0)).length, 0, "empty");
    }

    function test_submitRecord_anchorsTheRecord() public {
        RecordInput memory record = _record(DATA);
        vm.warp(START + 5);
        vm.expectEmit(address(ledger));
        emit IDataRegistry.RecordAnchored(
            _id(DATA),
            DATA,
            sourceId,
            FORMAT_AIR,
            sourceKey,
            record.metadataHash,
            record.sampledAt,
            record.uri
        );
        vm.prank(sourceKey);
        ledger.submitRecord(record);

        RecordView memory stored = ledger.getRecord(_id(DATA));
        vm.assertEq(stored.recordId, _id(DATA), "recordId");
        vm.assertEq(uint256(stored.sourceId), sourceId, "sourceId");
        vm.assertEq(stored.formatId, FORMAT_AIR, "formatId");
        vm.assertEq(uint256(stored.sampledAt), record.sampledAt, "sampledAt");
        vm.assertEq(uint256(stored.recordedAt), START + 5, "recordedAt");
        vm.assertEq(uint256(stored.status), uint256(RecordStatus.Active), "status");
        vm.assertEq(uint256(stored.revocationReason), 0, "revocationReason");
        vm.assertFalse(stored.revokedByOperator, "revokedByOperator");
        vm.assertEq(stored.replaces, bytes32(0), "replaces");
        vm.assertEq(stored.supersededBy, bytes32(0), "supersededBy");
    }

    function test_submitRecord_keepsTheFormatOfEachRecord() public {
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        vm.startPrank(sourceKey);
        ledger.submitRecord(_record(keccak256("a"), FORMAT_AIR));
        ledger.submitRecord(_record(keccak256("n"), FORMAT_NOISE));
        vm.stopPrank();
        vm.assertEq(ledger.getRecord(_id(keccak256("a"))).formatId, FORMAT_AIR, "air");
        vm.assertEq(ledger.getRecord(_id(keccak256("n"))).formatId, FORMAT_NOISE, "noise");
    }

    function test_submitRecord_revertsForZeroDataHash() public {
        vm.expectRevert(IDataRegistry.DataRegistryZeroDataHash.selector);
        vm.prank(sourceKey);
        ledger.submitRecord(_record(bytes32(0)));
    }

    function test_recordIdOf_isTheDocumentedHash() public view {
        vm.assertEq(ledger.recordIdOf(sourceKey, DATA, START - 60), _id(DATA), "recordIdOf");
        vm.assertNotEq(ledger.recordIdOf(sourceKey, DATA, START - 59), _id(DATA), "sampledAt not in the id");
        vm.assertNotEq(ledger.recordIdOf(stranger, DATA, START - 60), _id(DATA), "source not in the id");
    }

    function test_submitRecord_revertsForTheSameReadingTwice() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateRecord.selector, _id(DATA), sourceId)
        );
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
    }

    /// @dev The review's finding: a device could not report `{"door":"closed"}` at 10:00 and
    /// again at 10:05. Two sampling times are two readings, so two records.
    function test_submitRecord_samePayloadAtAnotherTimeIsAnotherRecord() public {
        RecordInput memory first = _record(DATA);
        RecordInput memory later = _record(DATA);
        later.sampledAt = first.sampledAt + 300;
        vm.startPrank(sourceKey);
        ledger.submitRecord(first);
        ledger.submitRecord(later);
        vm.stopPrank();
        bytes32 laterId = keccak256(abi.encode(sourceKey, DATA, later.sampledAt));
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).sampledAt), first.sampledAt, "first");
        vm.assertEq(uint256(ledger.getRecord(laterId).sampledAt), later.sampledAt, "later");
    }

    /// @dev The review's squatting finding: another source anchoring a source's data hash first
    /// gets its own record, and the real source is not refused.
    function test_submitRecord_anotherSourceCannotSquatADataHash() public {
        (uint64 otherId, address otherKey, ) = _registerSource("squatter", _one(FORMAT_AIR));
        vm.prank(otherKey);
        ledger.submitRecord(_record(DATA));
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.assertEq(uint256(ledger.getRecord(_idOf(otherKey, DATA)).sourceId), otherId, "squatter's own record");
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).sourceId), sourceId, "the source's record");

        // Revoking the squatter's record leaves the source's untouched.
        vm.prank(otherKey);
        ledger.revokeRecord(_idOf(otherKey, DATA), 1);
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Active), "status");
    }

    function test_submitRecord_revertsForNonSource() public {
        address[4] memory others = [stranger, operator, gateway, sourceOwner];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, others[i]));
            vm.prank(others[i]);
            ledger.submitRecord(_record(DATA));
        }
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.None), "record appeared");
    }

    function test_submitRecord_revertsForSuspendedSource() public {
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, sourceKey));
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
    }

    function test_submitRecord_revertsForUnknownFormat() public {
        bytes32 unknown = keccak256("unknown format");
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryFormatNotAllowed.selector, sourceId, unknown)
        );
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA, unknown));
    }

    function test_submitRecord_revertsForDeprecatedFormatEvenIfAllowed() public {
        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_AIR);
        vm.assertTrue(ledger.isFormatAllowed(sourceId, FORMAT_AIR), "still allowed");
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryDeprecatedFormat.selector, FORMAT_AIR));
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
    }

    function test_getRecord_unknownIsEmpty() public view {
        RecordView memory stored = ledger.getRecord(_id(DATA));
        vm.assertEq(uint256(stored.status), uint256(RecordStatus.None), "status");
        vm.assertEq(stored.recordId, bytes32(0), "recordId");
        vm.assertEq(stored.formatId, bytes32(0), "formatId");
    }

    // ---------------------------------------------------------------- relayed submission

    function test_submitRecordBySig_anyoneRelays() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.expectEmit(address(ledger));
        emit IDataRegistry.RecordAnchored(
            _id(DATA),
            DATA,
            sourceId,
            FORMAT_AIR,
            sourceKey,
            record.metadataHash,
            record.sampledAt,
            record.uri
        );
        vm.prank(stranger);
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).sourceId), sourceId, "sourceId");
    }

    function test_submitRecordBySig_acceptsTheDeadlineSecond() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.warp(DEADLINE);
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Active), "status");
    }

    function test_submitRecordBySig_revertsAfterTheDeadline() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.warp(DEADLINE + 1);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryExpiredSignature.selector, DEADLINE));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
    }

    function test_submitRecordBySig_revertsForReplay() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateRecord.selector, _id(DATA), sourceId)
        );
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
    }

    function test_submitRecordBySig_revertsForSignatureByAnotherKey() public {
        (, uint256 otherPk) = makeAddrAndKey("impostor");
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(otherPk, record, DEADLINE);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
    }

    function test_submitRecordBySig_revertsForTamperedRecord() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);

        RecordInput memory tampered = _record(DATA);
        tampered.metadataHash = keccak256("forged metadata");
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, tampered, DEADLINE, signature);

        // Extending the deadline is tampering too.
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE + 1, signature);
    }

    function test_submitRecordBySig_revertsForOtherDomain() public {
        RecordInput memory record = _record(DATA);
        // Signed for another ledger deployment, and for another chain.
        bytes32 otherContract = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domainSeparator(address(0xBEEF), block.chainid),
                _structHash(record, DEADLINE)
            )
        );
        bytes32 otherChain = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domainSeparator(address(ledger), block.chainid + 1),
                _structHash(record, DEADLINE)
            )
        );
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, _sign(sourceKeyPk, otherContract));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, _sign(sourceKeyPk, otherChain));
    }

    function test_submitRecordBySig_revertsForMalformedSignatures() public {
        RecordInput memory record = _record(DATA);
        bytes memory good = _sign(sourceKeyPk, record, DEADLINE);

        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, "");

        bytes memory truncated = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) truncated[i] = good[i];
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, truncated);

        // The same signature with s in the upper half of the curve order (malleated).
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(sourceKeyPk, _digest(record, DEADLINE));
        bytes memory malleated = abi.encodePacked(
            r,
            bytes32(SECP256K1_N - uint256(s)),
            v == 27 ? uint8(28) : uint8(27)
        );
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, malleated);
    }

    function test_submitRecordBySig_revertsForUnregisteredSigner() public {
        (address rogue, uint256 roguePk) = makeAddrAndKey("rogue");
        RecordInput memory record = _record(DATA);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, rogue));
        ledger.submitRecordBySig(rogue, record, DEADLINE, _sign(roguePk, record, DEADLINE));
    }

    function test_submitRecordBySig_revertsForRetiredKey() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, makeAddr("newKey"));
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
    }

    /// @dev The review's finding: suspending a source did not cancel its signatures; on
    /// reactivation every unexpired one, including those made while suspended, was good again.
    function test_submitRecordBySig_suspensionAndReactivationCancelEarlierSignatures() public {
        RecordInput memory before_ = _record(keccak256("signed before the suspension"));
        bytes memory beforeSig = _sign(sourceKeyPk, before_, DEADLINE, 0);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.assertEq(uint256(ledger.getSource(sourceId).epoch), 1, "suspension moves the epoch on");
        RecordInput memory during = _record(keccak256("signed while suspended"));
        bytes memory duringSig = _sign(sourceKeyPk, during, DEADLINE, 1);
        vm.prank(operator);
        ledger.reactivateSource(sourceId);
        vm.assertEq(uint256(ledger.getSource(sourceId).epoch), 2, "reactivation moves it on");

        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, before_, DEADLINE, beforeSig);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, during, DEADLINE, duringSig);

        // Signed again in the current epoch: accepted.
        ledger.submitRecordBySig(sourceKey, before_, DEADLINE, _sign(sourceKeyPk, before_, DEADLINE, 2));
        vm.assertEq(uint256(ledger.getRecord(_id(before_.dataHash)).status), uint256(RecordStatus.Active), "status");
    }

    function test_submitRecordBySig_rotationStartsTheNewKeyInANewEpoch() public {
        (address newKey, uint256 newPk) = makeAddrAndKey("rotated in");
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey);
        RecordInput memory record = _record(DATA);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, newKey));
        ledger.submitRecordBySig(newKey, record, DEADLINE, _sign(newPk, record, DEADLINE, 0));
        ledger.submitRecordBySig(newKey, record, DEADLINE, _sign(newPk, record, DEADLINE, 1));
    }

    function test_submitRecordBySig_revertsForSuspendedSource() public {
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
    }

    function test_submitRecordBySig_revertsForDisallowedFormat() public {
        RecordInput memory record = _record(DATA, FORMAT_NOISE);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryFormatNotAllowed.selector, sourceId, FORMAT_NOISE)
        );
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);
    }

    // ---------------------------------------------------------------- update

    function test_updateRecord_bySourceSupersedesTheOldVersion() public {
        bytes32 next = keccak256("reading #1, corrected");
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));

        RecordInput memory record = _record(next);
        vm.expectEmit(address(ledger));
        emit IDataRegistry.RecordAnchored(
            _id(next),
            next,
            sourceId,
            FORMAT_AIR,
            sourceKey,
            record.metadataHash,
            record.sampledAt,
            record.uri
        );
        vm.expectEmit(address(ledger));
        emit IDataRegistry.RecordUpdated(_id(DATA), _id(next), sourceKey);
        vm.prank(sourceKey);
        ledger.updateRecord(_id(DATA), record);

        RecordView memory oldView = ledger.getRecord(_id(DATA));
        RecordView memory newView = ledger.getRecord(_id(next));
        vm.assertEq(uint256(oldView.status), uint256(RecordStatus.Superseded), "old status");
        vm.assertEq(oldView.supersededBy, _id(next), "supersededBy");
        vm.assertEq(uint256(newView.status), uint256(RecordStatus.Active), "new status");
        vm.assertEq(newView.replaces, _id(DATA), "replaces");
        vm.assertEq(uint256(newView.sourceId), sourceId, "new sourceId");
    }

    /// @dev The review's finding: an operator could anchor a new version of any record without
    /// the source's signature, attributed to the source. Now only the source can.
    function test_updateRecord_revertsForOperator() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, operator, _id(DATA)));
        vm.prank(operator);
        ledger.updateRecord(_id(DATA), _record(keccak256("next")));
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Active), "superseded");
        vm.assertEq(uint256(ledger.getRecord(_id(keccak256("next"))).status), uint256(RecordStatus.None), "anchored");
    }

    function test_updateRecord_revertsForOthers() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        (, address otherKey, ) = _registerSource("other", _one(FORMAT_AIR));

        address[5] memory others = [stranger, otherKey, sourceOwner, supervisor, operator];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, others[i], _id(DATA))
            );
            vm.prank(others[i]);
            ledger.updateRecord(_id(DATA), _record(keccak256("next")));
        }
    }

    function test_updateRecord_revertsForUnknownRecord() public {
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnknownRecord.selector, _id(DATA)));
        vm.prank(operator);
        ledger.updateRecord(_id(DATA), _record(keccak256("next")));
    }

    function test_updateRecord_revertsForSupersededOrRevokedRecord() public {
        bytes32 next = keccak256("next");
        bytes32 revoked = keccak256("revoked");
        vm.startPrank(sourceKey);
        ledger.submitRecord(_record(DATA));
        ledger.updateRecord(_id(DATA), _record(next));
        ledger.submitRecord(_record(revoked));
        ledger.revokeRecord(_id(revoked), 1);

        vm.expectRevert(
            abi.encodeWithSelector(
                IDataRegistry.DataRegistryRecordNotActive.selector,
                _id(DATA),
                RecordStatus.Superseded
            )
        );
        ledger.updateRecord(_id(DATA), _record(keccak256("fork")));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataRegistry.DataRegistryRecordNotActive.selector,
                _id(revoked),
                RecordStatus.Revoked
            )
        );
        ledger.updateRecord(_id(revoked), _record(keccak256("revival")));
        vm.stopPrank();
    }

    function test_updateRecord_revertsForDuplicateNewVersion() public {
        bytes32 other = keccak256("other");
        vm.startPrank(sourceKey);
        ledger.submitRecord(_record(DATA));
        ledger.submitRecord(_record(other));
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateRecord.selector, _id(other), sourceId)
        );
        ledger.updateRecord(_id(DATA), _record(other));
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateRecord.selector, _id(DATA), sourceId)
        );
        ledger.updateRecord(_id(DATA), _record(DATA));
        vm.stopPrank();
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Active), "old version touched");
    }

    function test_updateRecord_revertsForZeroDataHash() public {
        vm.startPrank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectRevert(IDataRegistry.DataRegistryZeroDataHash.selector);
        ledger.updateRecord(_id(DATA), _record(bytes32(0)));
        vm.stopPrank();
    }

    function test_updateRecord_revertsWhenTheSourceIsSuspended() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, sourceKey, _id(DATA)));
        vm.prank(sourceKey);
        ledger.updateRecord(_id(DATA), _record(keccak256("next")));
    }

    function test_updateRecord_revertsForFormatTheSourceMayNotUse() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryFormatNotAllowed.selector, sourceId, FORMAT_NOISE)
        );
        vm.prank(sourceKey);
        ledger.updateRecord(_id(DATA), _record(keccak256("next"), FORMAT_NOISE));
    }

    function test_updateRecord_followsKeyRotation() public {
        address newKey = makeAddr("newKey");
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey);

        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, sourceKey, _id(DATA)));
        vm.prank(sourceKey);
        ledger.updateRecord(_id(DATA), _record(keccak256("next")));

        vm.prank(newKey);
        ledger.updateRecord(_id(DATA), _record(keccak256("next")));
        // The new version's id names the key that made it.
        bytes32 nextId = _idOf(newKey, keccak256("next"));
        vm.assertEq(uint256(ledger.getRecord(nextId).sourceId), sourceId, "sourceId");
        vm.assertEq(ledger.getRecord(_id(DATA)).supersededBy, nextId, "supersededBy");
    }

    // ---------------------------------------------------------------- revocation

    function test_revokeRecord_bySource() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectEmit(address(ledger));
        emit IDataRegistry.RecordRevoked(_id(DATA), sourceId, 451, sourceKey);
        vm.prank(sourceKey);
        ledger.revokeRecord(_id(DATA), 451);

        RecordView memory stored = ledger.getRecord(_id(DATA));
        vm.assertEq(uint256(stored.status), uint256(RecordStatus.Revoked), "status");
        vm.assertEq(uint256(stored.revocationReason), 451, "reason");
        vm.assertFalse(stored.revokedByOperator, "the source's own act");
        vm.assertEq(uint256(stored.sourceId), sourceId, "history kept");
    }

    function test_revokeRecord_byOperator() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectEmit(address(ledger));
        emit IDataRegistry.RecordRevoked(_id(DATA), sourceId, 3, operator);
        vm.prank(operator);
        ledger.revokeRecord(_id(DATA), 3);
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Revoked), "status");
        vm.assertTrue(ledger.getRecord(_id(DATA)).revokedByOperator, "the operator's act, recorded");
    }

    function test_revokeRecord_revertsForOthers() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        (, address otherKey, ) = _registerSource("other", _one(FORMAT_AIR));

        address[4] memory others = [stranger, otherKey, sourceOwner, supervisor];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, others[i], _id(DATA))
            );
            vm.prank(others[i]);
            ledger.revokeRecord(_id(DATA), 0);
        }
    }

    function test_revokeRecord_revertsForSuspendedSourceKey() public {
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, sourceKey, _id(DATA)));
        vm.prank(sourceKey);
        ledger.revokeRecord(_id(DATA), 0);
    }

    function test_revokeRecord_revertsForUnknownRecord() public {
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnknownRecord.selector, _id(DATA)));
        vm.prank(operator);
        ledger.revokeRecord(_id(DATA), 0);
    }

    function test_revokeRecord_isFinal() public {
        vm.startPrank(sourceKey);
        ledger.submitRecord(_record(DATA));
        ledger.revokeRecord(_id(DATA), 1);

        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryRecordNotActive.selector, _id(DATA), RecordStatus.Revoked)
        );
        ledger.revokeRecord(_id(DATA), 2);
        // The fingerprint cannot be anchored again, directly or by signature.
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateRecord.selector, _id(DATA), sourceId)
        );
        ledger.submitRecord(_record(DATA));
        vm.stopPrank();
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, DEADLINE);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateRecord.selector, _id(DATA), sourceId)
        );
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);

        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).revocationReason), 1, "reason overwritten");
    }

    function test_revokeRecord_revertsForSupersededRecord() public {
        vm.startPrank(sourceKey);
        ledger.submitRecord(_record(DATA));
        ledger.updateRecord(_id(DATA), _record(keccak256("next")));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataRegistry.DataRegistryRecordNotActive.selector,
                _id(DATA),
                RecordStatus.Superseded
            )
        );
        ledger.revokeRecord(_id(DATA), 0);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- data blocks

    function test_submitDataBlock_anchorsTheBlock() public {
        bytes32 root = keccak256("root");
        bytes32 id = _blockId(gateway, root);
        vm.warp(START + 7);
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockAnchored(
            id,
            root,
            gateway,
            16,
            START - 100,
            START - 1,
            block.chainid,
            "ipfs://block"
        );
        vm.prank(gateway);
        vm.assertEq(ledger.submitDataBlock(root, 16, START - 100, START - 1, "ipfs://block"), id, "returned id");

        DataBlockView memory stored = ledger.getDataBlock(id);
        vm.assertEq(stored.blockId, id, "blockId");
        vm.assertEq(stored.chainId, block.chainid, "chainId");
        vm.assertEq(stored.gateway, gateway, "gateway");
        vm.assertEq(uint256(stored.count), 16, "count");
        vm.assertEq(uint256(stored.firstSampledAt), START - 100, "firstSampledAt");
        vm.assertEq(uint256(stored.lastSampledAt), START - 1, "lastSampledAt");
        vm.assertEq(uint256(stored.anchoredAt), START + 7, "anchoredAt");
        vm.assertEq(uint256(stored.status), uint256(DataBlockStatus.Anchored), "status");
    }

    /// @dev The header keeps the gateway as a compact index: each block must still name its own.
    function test_submitDataBlock_namesEachBlocksGateway() public {
        address second = makeAddr("second gateway");
        vm.prank(operator);
        ledger.grantRole(GATEWAY_ROLE, second);
        vm.prank(gateway);
        bytes32 a = ledger.submitDataBlock(keccak256("a"), 1, START, START, "");
        vm.prank(second);
        bytes32 b = ledger.submitDataBlock(keccak256("b"), 2, START, START + 1, "");
        vm.prank(gateway);
        bytes32 c = ledger.submitDataBlock(keccak256("c"), 3, START, START + 2, "");
        vm.assertEq(ledger.getDataBlock(a).gateway, gateway, "a");
        vm.assertEq(ledger.getDataBlock(b).gateway, second, "b");
        vm.assertEq(ledger.getDataBlock(c).gateway, gateway, "c");
        vm.assertEq(uint256(ledger.getDataBlock(b).lastSampledAt), START + 1, "range beside the index");
    }

    function test_submitDataBlock_acceptsASingleInstant() public {
        vm.prank(gateway);
        ledger.submitDataBlock(keccak256("root"), 1, START, START, "");
        vm.assertEq(uint256(ledger.getDataBlock(_blockId(keccak256("root"))).count), 1, "count");
    }

    function test_submitDataBlock_revertsForNonGateway() public {
        address[3] memory others = [operator, sourceKey, stranger];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    others[i],
                    GATEWAY_ROLE
                )
            );
            vm.prank(others[i]);
            ledger.submitDataBlock(keccak256("root"), 1, START, START, "");
        }
    }

    function test_submitDataBlock_revertsForInvalidParameters() public {
        vm.startPrank(gateway);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidDataBlock.selector, bytes32(0), 1, START, START)
        );
        ledger.submitDataBlock(bytes32(0), 1, START, START, "");

        bytes32 root = keccak256("root");
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidDataBlock.selector, root, 0, START, START)
        );
        ledger.submitDataBlock(root, 0, START, START, "");

        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidDataBlock.selector, root, 1, START, START - 1)
        );
        ledger.submitDataBlock(root, 1, START, START - 1, "");
        vm.stopPrank();
    }

    function test_submitDataBlock_revertsForTheSameRootTwiceFromOneGateway() public {
        bytes32 root = keccak256("root");
        vm.startPrank(gateway);
        ledger.submitDataBlock(root, 1, START, START, "");
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateDataBlock.selector, _blockId(gateway, root))
        );
        ledger.submitDataBlock(root, 2, START, START, "");
        vm.stopPrank();
    }

    /// @dev Finding 2: blocks were keyed by root, so a gateway that copied another's root from
    /// the mempool made the honest transaction revert. Keyed per gateway, both are anchored.
    function test_submitDataBlock_theSameRootFromAnotherGatewayIsAnotherBlock() public {
        address rival = makeAddr("rival gateway");
        vm.prank(operator);
        ledger.grantRole(GATEWAY_ROLE, rival);
        bytes32 root = keccak256("root");
        vm.prank(rival);
        bytes32 copy = ledger.submitDataBlock(root, 9, START - 500, START - 400, "ipfs://rival");
        vm.prank(gateway);
        bytes32 id = ledger.submitDataBlock(root, 1, START, START, "ipfs://block");
        vm.assertNotEq(id, copy, "one id");
        vm.assertEq(ledger.getDataBlock(id).gateway, gateway, "gateway");
        vm.assertEq(uint256(ledger.getDataBlock(id).count), 1, "count");
        vm.assertEq(uint256(ledger.getDataBlock(id).firstSampledAt), START, "range");
        vm.assertEq(ledger.getDataBlock(copy).gateway, rival, "rival");
    }

    /// @dev The header keeps the chain id as an 8-bit index: 255 chain ids after the deployment
    /// chain's fit, the 256th is refused with its own error and changes nothing; the chain ids
    /// already known, the deployment chain's included, still anchor.
    function test_submitDataBlock_chainIdHistoryHoldsTwoHundredFiftyFiveLaterChainIds() public {
        _deploymentChainId = block.chainid;
        vm.startPrank(gateway);
        for (uint256 i = 1; i <= 255; ++i) {
            vm.chainId(_deploymentChainId + i);
            ledger.submitDataBlock(keccak256(abi.encode("root", i)), 1, START, START, "");
        }
        vm.chainId(_deploymentChainId + 256);
        bytes32 refused = keccak256("refused");
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.DataRegistryChainIdHistoryFull.selector, _deploymentChainId + 256)
        );
        ledger.submitDataBlock(refused, 1, START, START, "");
        vm.assertEq(uint256(ledger.getDataBlock(_blockId(refused)).status), uint256(DataBlockStatus.None), "anchored");

        vm.chainId(_deploymentChainId + 255);
        bytes32 known = ledger.submitDataBlock(keccak256("known"), 1, START, START, "");
        vm.assertEq(ledger.getDataBlock(known).chainId, _deploymentChainId + 255, "known chain id");
        vm.chainId(_deploymentChainId);
        bytes32 home = ledger.submitDataBlock(keccak256("home"), 1, START, START, "");
        vm.assertEq(ledger.getDataBlock(home).chainId, _deploymentChainId, "deployment chain id");
        vm.stopPrank();
    }

    function test_getDataBlock_unknownIsEmpty() public view {
        DataBlockView memory stored = ledger.getDataBlock(keccak256("root"));
        vm.assertEq(uint256(stored.status), uint256(DataBlockStatus.None), "status");
        vm.assertEq(stored.gateway, address(0), "gateway");
    }

    // ---------------------------------------------------------------- unique data hashes

    bytes32 internal constant FORMAT_DEPOSIT = keccak256("deposit schema");

    /// @dev A format with unique data hashes, allowed to the fixture's source and to a second one.
    function _uniqueFormat() internal returns (address otherKey, uint256 otherPk) {
        vm.startPrank(operator);
        ledger.registerFormat(FORMAT_DEPOSIT, "deposit", "1", "ipfs://deposit", FORMAT_UNIQUE_DATA_HASHES);
        ledger.setSourceFormats(sourceId, _one(FORMAT_DEPOSIT), true);
        vm.stopPrank();
        (, otherKey, otherPk) = _registerSource("second depositor", _one(FORMAT_DEPOSIT));
    }

    function test_uniqueFormat_refusesASecondHolderOfTheHash() public {
        (address otherKey, uint256 otherPk) = _uniqueFormat();
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA, FORMAT_DEPOSIT));
        vm.assertEq(ledger.dataHashHolder(DATA), _id(DATA), "holder");

        bytes memory expected = abi.encodeWithSelector(
            IDataRegistry.DataRegistryDataHashHeld.selector,
            DATA,
            _id(DATA)
        );
        vm.expectRevert(expected);
        vm.prank(otherKey);
        ledger.submitRecord(_record(DATA, FORMAT_DEPOSIT));

        // Relayed, and by the holder itself at another sampling time: the same refusal.
        RecordInput memory record = _record(DATA, FORMAT_DEPOSIT);
        vm.expectRevert(expected);
        ledger.submitRecordBySig(otherKey, record, DEADLINE, _sign(otherPk, record, DEADLINE));
        record.sampledAt += 1;
        vm.expectRevert(expected);
        vm.prank(sourceKey);
        ledger.submitRecord(record);
        vm.assertEq(ledger.dataHashHolder(DATA), _id(DATA), "holder changed");
    }

    function test_uniqueFormat_freesTheHashWhenItsHolderIsRevoked() public {
        (address otherKey, ) = _uniqueFormat();
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA, FORMAT_DEPOSIT));
        vm.prank(operator);
        ledger.revokeRecord(_id(DATA), 7);

        vm.prank(otherKey);
        ledger.submitRecord(_record(DATA, FORMAT_DEPOSIT));
        vm.assertEq(ledger.dataHashHolder(DATA), _idOf(otherKey, DATA), "new holder");
    }

    function test_uniqueFormat_aNewVersionMayKeepTheHash() public {
        _uniqueFormat();
        RecordInput memory record = _record(DATA, FORMAT_DEPOSIT);
        vm.startPrank(sourceKey);
        ledger.submitRecord(record);
        record.metadataHash = keccak256("corrected description");
        record.sampledAt += 1;
        ledger.updateRecord(_id(DATA), record);
        vm.stopPrank();
        bytes32 nextId = keccak256(abi.encode(sourceKey, DATA, record.sampledAt));
        vm.assertEq(ledger.dataHashHolder(DATA), nextId, "holder follows the version");
    }

    function test_uniqueFormat_leavesOtherFormatsAlone() public {
        (address otherKey, ) = _uniqueFormat();
        uint64 otherId = ledger.sourceIdOf(otherKey);
        vm.prank(operator);
        ledger.setSourceFormats(otherId, _one(FORMAT_AIR), true);
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA, FORMAT_DEPOSIT));
        // The same hash in a format without the flag: an ordinary record.
        vm.prank(otherKey);
        ledger.submitRecord(_record(DATA, FORMAT_AIR));
        vm.assertEq(uint256(ledger.getRecord(_idOf(otherKey, DATA)).status), uint256(RecordStatus.Active), "status");
        vm.assertEq(ledger.dataHashHolder(DATA), _id(DATA), "holder");
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_submitRecord_anyNonSourceIsRejected(address caller, bytes32 dataHash) public {
        vm.assume(caller != sourceKey);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, caller));
        vm.prank(caller);
        ledger.submitRecord(_record(dataHash));
        vm.assertEq(uint256(ledger.getRecord(_id(dataHash)).status), uint256(RecordStatus.None), "record appeared");
    }

    function testFuzz_submitRecord_roundTrip(
        bytes32 dataHash,
        bytes32 metadataHash,
        uint48 sampledAt,
        string calldata uri
    ) public {
        vm.assume(dataHash != bytes32(0));
        RecordInput memory record = RecordInput(dataHash, FORMAT_AIR, metadataHash, sampledAt, uri);
        vm.expectEmit(address(ledger));
        bytes32 id = keccak256(abi.encode(sourceKey, dataHash, sampledAt));
        emit IDataRegistry.RecordAnchored(id, dataHash, sourceId, FORMAT_AIR, sourceKey, metadataHash, sampledAt, uri);
        vm.prank(sourceKey);
        ledger.submitRecord(record);
        vm.assertEq(ledger.recordIdOf(sourceKey, dataHash, sampledAt), id, "recordIdOf");
        RecordView memory stored = ledger.getRecord(id);
        vm.assertEq(uint256(stored.sampledAt), sampledAt, "sampledAt");
        vm.assertEq(uint256(stored.sourceId), sourceId, "sourceId");
        vm.assertEq(stored.formatId, FORMAT_AIR, "formatId");
    }

    /// @dev A signature by any key other than the source's is rejected, whoever it claims to be.
    function testFuzz_submitRecordBySig_foreignKeyRejected(uint256 pk, bytes32 dataHash) public {
        pk = bound(pk, 1, SECP256K1_N - 1);
        address signer = vm.addr(pk);
        vm.assume(signer != sourceKey && dataHash != bytes32(0));
        RecordInput memory record = _record(dataHash);
        bytes memory signature = _sign(pk, record, DEADLINE);

        // Claiming to be the registered source: the signature does not match.
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, record, DEADLINE, signature);

        // Claiming to be itself: a valid signature, but by no active source.
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, signer));
        ledger.submitRecordBySig(signer, record, DEADLINE, signature);

        vm.assertEq(uint256(ledger.getRecord(_id(dataHash)).status), uint256(RecordStatus.None), "record appeared");
    }

    /// @dev Arbitrary bytes never pass as the source's signature.
    function testFuzz_submitRecordBySig_garbageSignatureRejected(bytes calldata signature) public {
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryInvalidSignature.selector, sourceKey));
        ledger.submitRecordBySig(sourceKey, _record(DATA), DEADLINE, signature);
    }

    /// @dev Submitted `offset` seconds after the deadline: accepted up to and including the deadline second.
    function testFuzz_submitRecordBySig_deadlineBoundary(uint48 deadline, int16 offset) public {
        deadline = uint48(bound(deadline, START + 1 days, type(uint48).max - 1 days));
        uint48 submittedAt = uint48(uint256(int256(uint256(deadline)) + offset));
        RecordInput memory record = _record(DATA);
        bytes memory signature = _sign(sourceKeyPk, record, deadline);
        vm.warp(submittedAt);
        if (offset > 0) {
            vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryExpiredSignature.selector, deadline));
        }
        ledger.submitRecordBySig(sourceKey, record, deadline, signature);
        RecordStatus expected = offset > 0 ? RecordStatus.None : RecordStatus.Active;
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(expected), "status");
    }

    function testFuzz_submitDataBlock_parameterValidation(
        bytes32 root,
        uint32 count,
        uint48 firstSampledAt,
        uint48 lastSampledAt
    ) public {
        bool valid = root != bytes32(0) && count != 0 && firstSampledAt <= lastSampledAt;
        if (!valid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDataRegistry.DataRegistryInvalidDataBlock.selector,
                    root,
                    count,
                    firstSampledAt,
                    lastSampledAt
                )
            );
        }
        vm.prank(gateway);
        ledger.submitDataBlock(root, count, firstSampledAt, lastSampledAt, "");

        DataBlockView memory stored = ledger.getDataBlock(_blockId(root));
        vm.assertEq(uint256(stored.status), uint256(valid ? DataBlockStatus.Anchored : DataBlockStatus.None), "status");
        if (valid) {
            vm.assertEq(uint256(stored.count), count, "count");
            vm.assertEq(uint256(stored.firstSampledAt), firstSampledAt, "firstSampledAt");
            vm.assertEq(uint256(stored.lastSampledAt), lastSampledAt, "lastSampledAt");
        }
    }

    function testFuzz_submitDataBlock_onlyGateways(address caller) public {
        vm.assume(caller != gateway);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, GATEWAY_ROLE)
        );
        vm.prank(caller);
        ledger.submitDataBlock(keccak256("root"), 1, START, START, "");
    }

    function testFuzz_revokeRecord_onlySourceOrOperator(address caller, uint16 reason) public {
        vm.assume(caller != sourceKey && caller != operator);
        vm.prank(sourceKey);
        ledger.submitRecord(_record(DATA));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryUnauthorized.selector, caller, _id(DATA)));
        vm.prank(caller);
        ledger.revokeRecord(_id(DATA), reason);
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Active), "status");
    }
}
