// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataBlockJudge} from "../../contracts/interfaces/IDataBlockJudge.sol";
import {IDataRegistry} from "../../contracts/interfaces/IDataRegistry.sol";
import {DataBlockStatus, DisputeReason, RecordInput, SignedOperation} from "../../contracts/types/DataLedgerTypes.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";

/// @notice The data block judge: every rule of the direct path, proved broken for one operation
/// of a block (the challenge succeeds) or not (it reverts), judged at the anchoring second.
contract DataBlockJudgeTest is LedgerFixture {
    bytes32 internal constant DATA = keccak256("reading #1");
    uint48 internal constant DEADLINE = START + 1 hours;

    // ---------------------------------------------------------------- challenges

    /// @dev A four-leaf block anchored at START + 10: one valid operation, one signed by a key that
    /// was never registered, one whose signature is not the claimed source's, one that expired
    /// before anchoring.
    function _anchorMixedBlock()
        internal
        returns (bytes32 root, SignedOperation[4] memory ops, bytes32[][4] memory proofs)
    {
        (address rogue, uint256 roguePk) = makeAddrAndKey("rogue");
        (, uint256 impostorPk) = makeAddrAndKey("impostor");
        ops[0] = _operation(sourceKey, sourceKeyPk, keccak256("valid"), DEADLINE);
        ops[1] = _operation(rogue, roguePk, keccak256("unregistered"), DEADLINE);
        ops[2] = _operation(sourceKey, sourceKeyPk, keccak256("forged"), DEADLINE);
        ops[2].signature = _sign(impostorPk, ops[2].record, DEADLINE);
        ops[3] = _operation(sourceKey, sourceKeyPk, keccak256("expired"), START + 9);

        bytes32[4] memory leaves;
        for (uint256 i = 0; i < 4; ++i) leaves[i] = _leaf(ops[i]);
        (root, proofs) = _tree4(leaves);

        vm.warp(START + 10);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 4, START - 60, START - 60, "ipfs://block");
    }

    function test_verifyInclusion_provesEveryLeaf() public {
        (bytes32 root, SignedOperation[4] memory ops, bytes32[][4] memory proofs) = _anchorMixedBlock();
        for (uint256 i = 0; i < 4; ++i) {
            vm.assertTrue(ledger.verifyInclusion(root, ops[i], proofs[i]), "leaf not included");
        }
        vm.assertFalse(ledger.verifyInclusion(root, ops[0], proofs[1]), "wrong proof accepted");
        vm.assertFalse(ledger.verifyInclusion(keccak256("other"), ops[0], proofs[0]), "unknown root accepted");
    }

    function test_challengeDataBlock_revertsForValidOperation() public {
        (bytes32 root, SignedOperation[4] memory ops, bytes32[][4] memory proofs) = _anchorMixedBlock();
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, root, _leaf(ops[0]))
        );
        judge.challenge(root, ops[0], proofs[0]);
        vm.assertEq(uint256(ledger.getDataBlock(root).status), uint256(DataBlockStatus.Anchored), "status");
    }

    function test_challengeDataBlock_unregisteredSigner() public {
        _expectDispute(1, DisputeReason.InactiveSource);
    }

    function test_challengeDataBlock_forgedSignature() public {
        _expectDispute(2, DisputeReason.InvalidSignature);
    }

    function test_challengeDataBlock_expiredSignature() public {
        _expectDispute(3, DisputeReason.ExpiredSignature);
    }

    function _expectDispute(uint256 index, DisputeReason reason) internal {
        (bytes32 root, SignedOperation[4] memory ops, bytes32[][4] memory proofs) = _anchorMixedBlock();
        bytes32 leaf = _leaf(ops[index]);
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(root, stranger, leaf, ops[index].source, reason);
        vm.prank(stranger);
        judge.challenge(root, ops[index], proofs[index]);

        vm.assertEq(uint256(ledger.getDataBlock(root).status), uint256(DataBlockStatus.Disputed), "status");
        vm.assertTrue(ledger.isOperationDisputed(root, leaf), "struck");
        vm.assertFalse(ledger.verifyInclusion(root, ops[index], proofs[index]), "struck operation still proves");
        // The review's finding: one bad operation wiped out the whole block. Its neighbours stand.
        vm.assertTrue(ledger.verifyInclusion(root, ops[0], proofs[0]), "honest neighbour struck too");
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 1, "gateway's disputes");

        // The same operation cannot be struck twice; another bad one still can.
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeAlreadyDisputed.selector, root, leaf));
        judge.challenge(root, ops[index], proofs[index]);
        uint256 other = index == 1 ? 2 : 1;
        judge.challenge(root, ops[other], proofs[other]);
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 2, "gateway's disputes");
        vm.assertTrue(ledger.verifyInclusion(root, ops[0], proofs[0]), "honest neighbour struck");
    }

    function test_challengeDataBlock_revertsForUnknownBlock() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = keccak256("nowhere");
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeUnknownDataBlock.selector, root));
        judge.challenge(root, op, new bytes32[](0));
    }

    function test_challengeDataBlock_revertsForOperationOutsideTheBlock() public {
        (bytes32 root, , bytes32[][4] memory proofs) = _anchorMixedBlock();
        (address rogue, uint256 roguePk) = makeAddrAndKey("outsider");
        SignedOperation memory outsider = _operation(rogue, roguePk, keccak256("outside"), DEADLINE);
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, root, _leaf(outsider))
        );
        judge.challenge(root, outsider, proofs[1]);
    }

    function test_challengeDataBlock_acceptsDeadlineAtAnchoring() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, START + 10);
        bytes32 root = _leaf(op);
        vm.warp(START + 10);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 1, START - 60, START - 60, "");
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, root, root));
        judge.challenge(root, op, new bytes32[](0));
    }

    function test_challengeDataBlock_judgesTheSourceAtAnchoringTime() public {
        // Active at anchoring, suspended afterwards: the operation stays valid.
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = _leaf(op);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 1, START - 60, START - 60, "");
        vm.warp(START + 1);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, root, root));
        judge.challenge(root, op, new bytes32[](0));

        // Suspended at anchoring: the same kind of operation is disputable.
        SignedOperation memory late = _operation(sourceKey, sourceKeyPk, keccak256("late"), DEADLINE);
        bytes32 lateRoot = _leaf(late);
        vm.warp(START + 2);
        vm.prank(gateway);
        ledger.submitDataBlock(lateRoot, 1, START - 60, START - 60, "");
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(
            lateRoot,
            address(this),
            lateRoot,
            sourceKey,
            DisputeReason.InactiveSource
        );
        judge.challenge(lateRoot, late, new bytes32[](0));
    }

    /// @dev The deadline rule of a relayed record (valid while now <= deadline) holds for data
    /// blocks too: anchored in the deadline second is in time, a second later is challengeable.
    function test_challengeDataBlock_deadlineSecondIsInTimeAndTheNextIsNot() public {
        uint48 deadline = _now() + 100;
        SignedOperation memory onTime = _operation(sourceKey, sourceKeyPk, keccak256("on time"), deadline);
        bytes32 onTimeRoot = _leaf(onTime);
        vm.warp(deadline);
        vm.prank(gateway);
        ledger.submitDataBlock(onTimeRoot, 1, START - 60, START - 60, "");
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, onTimeRoot, onTimeRoot)
        );
        judge.challenge(onTimeRoot, onTime, new bytes32[](0));

        SignedOperation memory late = _operation(sourceKey, sourceKeyPk, keccak256("late"), deadline);
        bytes32 lateRoot = _leaf(late);
        vm.warp(deadline + 1);
        vm.prank(gateway);
        ledger.submitDataBlock(lateRoot, 1, START - 60, START - 60, "");
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(
            lateRoot,
            address(this),
            lateRoot,
            sourceKey,
            DisputeReason.ExpiredSignature
        );
        judge.challenge(lateRoot, late, new bytes32[](0));
    }

    function test_challengeDataBlock_retiredKeyAtAnchoring() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = _leaf(op);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, makeAddr("newKey"), _keyProof("newKey", sourceOwner));
        vm.warp(START + 1);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 1, START - 60, START - 60, "");
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(root, address(this), root, sourceKey, DisputeReason.InactiveSource);
        judge.challenge(root, op, new bytes32[](0));
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Anchors `op` alone (its leaf is the root) at `at`, over the fixture's sampling second.
    function _anchorAlone(SignedOperation memory op, uint48 at) internal returns (bytes32 root) {
        root = _leaf(op);
        vm.warp(at);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 1, START - 60, START - 60, "");
    }

    function _expectStruck(bytes32 root, SignedOperation memory op, DisputeReason reason) internal {
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(root, address(this), _leaf(op), op.source, reason);
        judge.challenge(root, op, new bytes32[](0));
        vm.assertTrue(ledger.isOperationDisputed(root, _leaf(op)), "not struck");
    }

    function _expectValid(bytes32 root, SignedOperation memory op) internal {
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, root, _leaf(op)));
        judge.challenge(root, op, new bytes32[](0));
        (bool valid, ) = judge.verdict(root, op);
        vm.assertTrue(valid, "verdict");
    }

    // ---------------------------------------------------------------- same-second changes

    /// @dev The review's finding: a source owner rotated its key in the same second as the
    /// gateway's block (even after it), then challenged its own leaf as "inactive at anchoring".
    function test_sameSecondRotationAfterTheBlockCannotGetItDisputed() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = _anchorAlone(op, START + 10);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, makeAddr("newKey"), _keyProof("newKey", sourceOwner)); // still START + 10
        _expectValid(root, op);
        // A second later the old key is out: a block of then is disputable.
        SignedOperation memory late = _operation(sourceKey, sourceKeyPk, keccak256("late"), DEADLINE);
        _expectStruck(_anchorAlone(late, START + 11), late, DisputeReason.InactiveSource);
    }

    function test_sameSecondSuspensionCannotGetTheBlockDisputed() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = _anchorAlone(op, START + 10);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        _expectValid(root, op);
    }

    // ---------------------------------------------------------------- epochs

    /// @dev The review's finding for batches: a signature made before a suspension is good again
    /// once the source is reactivated. Its epoch is stale, so the operation is struck.
    function test_signatureFromBeforeASuspensionIsStaleAfterReactivation() public {
        SignedOperation memory old = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        vm.startPrank(operator);
        ledger.suspendSource(sourceId, 0);
        ledger.reactivateSource(sourceId);
        vm.stopPrank();
        _expectStruck(_anchorAlone(old, START + 10), old, DisputeReason.StaleEpoch);

        // Signed in the current epoch (2: suspension and reactivation each moved it on), valid.
        SignedOperation memory fresh = _operation(sourceKey, sourceKeyPk, keccak256("fresh"), DEADLINE, 2);
        _expectValid(_anchorAlone(fresh, START + 11), fresh);
    }

    function test_epochChangedInTheBlocksSecondLeavesItValid() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = _anchorAlone(op, START + 10);
        vm.startPrank(operator);
        ledger.suspendSource(sourceId, 0);
        ledger.reactivateSource(sourceId);
        vm.stopPrank();
        _expectValid(root, op);
    }

    // ---------------------------------------------------------------- formats

    function test_unknownFormatIsDisputable() public {
        SignedOperation memory op = _operationIn(keccak256("never registered"), DATA);
        _expectStruck(_anchorAlone(op, START + 10), op, DisputeReason.UnknownFormat);
    }

    function test_formatDeprecatedBeforeTheBlockIsDisputable_inTheSameSecondItIsNot() public {
        SignedOperation memory op = _operationIn(FORMAT_AIR, DATA);
        vm.warp(START + 5);
        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_AIR);
        _expectStruck(_anchorAlone(op, START + 10), op, DisputeReason.DeprecatedFormat);

        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        SignedOperation memory same = _operationIn(FORMAT_NOISE, DATA);
        bytes32 root = _anchorAlone(same, START + 20);
        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_NOISE); // START + 20 too
        _expectValid(root, same);
    }

    function test_formatNotAllowedAtAnchoringIsDisputable_evenIfAllowedLater() public {
        SignedOperation memory op = _operationIn(FORMAT_NOISE, DATA);
        bytes32 root = _anchorAlone(op, START + 10);
        vm.warp(START + 11);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        _expectStruck(root, op, DisputeReason.FormatNotAllowed);
    }

    function test_formatDisallowedAfterTheBlockLeavesItValid() public {
        SignedOperation memory op = _operationIn(FORMAT_AIR, DATA);
        bytes32 root = _anchorAlone(op, START + 10);
        vm.warp(START + 11);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_AIR), false);
        _expectValid(root, op);
    }

    // ---------------------------------------------------------------- range

    function test_samplingTimeOutsideTheBlocksRangeIsDisputable() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE); // START - 60
        bytes32 root = _leaf(op);
        vm.warp(START + 10);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 1, START - 59, START, "");
        _expectStruck(root, op, DisputeReason.OutsideSampledRange);

        SignedOperation memory after_ = _operation(sourceKey, sourceKeyPk, keccak256("after"), DEADLINE);
        bytes32 afterRoot = _leaf(after_);
        vm.prank(gateway);
        ledger.submitDataBlock(afterRoot, 1, START - 120, START - 61, "");
        _expectStruck(afterRoot, after_, DisputeReason.OutsideSampledRange);
    }

    // ---------------------------------------------------------------- duplicates

    function test_recordAnchoredDirectlyBeforeTheBlockIsADuplicate() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        vm.warp(START + 5);
        ledger.submitRecordBySig(sourceKey, op.record, op.deadline, op.signature);
        _expectStruck(_anchorAlone(op, START + 10), op, DisputeReason.DuplicateRecord);
    }

    /// @dev Relaying a block's published operation directly afterwards must not make the honest
    /// block disputable (anyone could do it), nor may doing so in the block's own second.
    function test_directAnchoringAfterTheBlockLeavesTheBlockValid() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 root = _anchorAlone(op, START + 10);
        ledger.submitRecordBySig(sourceKey, op.record, op.deadline, op.signature);
        _expectValid(root, op);
    }

    function test_challengeDuplicate_strikesTheLaterBlocksCopy() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        // Another operation for the same reading: same record id, other deadline, other leaf.
        SignedOperation memory again = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE + 1);
        bytes32 first = _anchorAlone(op, START + 10);
        bytes32 second = _anchorAlone(again, START + 11);
        bytes32[] memory none = new bytes32[](0);

        // The earlier one is not the duplicate.
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                first,
                _leaf(op),
                second,
                _leaf(again)
            )
        );
        judge.challengeDuplicate(first, op, none, second, again, none);

        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(
            second,
            address(this),
            _leaf(again),
            sourceKey,
            DisputeReason.DuplicateRecord
        );
        judge.challengeDuplicate(second, again, none, first, op, none);
        vm.assertTrue(ledger.verifyInclusion(first, op, none), "the first copy stands");
        vm.assertFalse(ledger.verifyInclusion(second, again, none), "the copy is struck");
    }

    function test_challengeDuplicate_withinABlockStrikesExactlyOneCopy() public {
        SignedOperation[4] memory ops;
        ops[0] = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        ops[1] = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE + 1); // same record id
        ops[2] = _operation(sourceKey, sourceKeyPk, keccak256("b"), DEADLINE);
        ops[3] = _operation(sourceKey, sourceKeyPk, keccak256("c"), DEADLINE);
        bytes32[4] memory leaves;
        for (uint256 i = 0; i < 4; ++i) leaves[i] = _leaf(ops[i]);
        (bytes32 root, bytes32[][4] memory proofs) = _tree4(leaves);
        vm.warp(START + 10);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 4, START - 60, START - 60, "");

        (uint256 small, uint256 large) = leaves[0] < leaves[1] ? (0, 1) : (1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                root,
                leaves[small],
                root,
                leaves[large]
            )
        );
        judge.challengeDuplicate(root, ops[small], proofs[small], root, ops[large], proofs[large]);
        judge.challengeDuplicate(root, ops[large], proofs[large], root, ops[small], proofs[small]);
        vm.assertTrue(ledger.verifyInclusion(root, ops[small], proofs[small]), "one copy stands");
        vm.assertFalse(ledger.verifyInclusion(root, ops[large], proofs[large]), "the other is struck");

        // The same leaf is one operation, not a duplicate of itself.
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                root,
                leaves[2],
                root,
                leaves[2]
            )
        );
        judge.challengeDuplicate(root, ops[2], proofs[2], root, ops[2], proofs[2]);
    }

    function test_challengeDuplicate_needsAValidEarlierOperation() public {
        SignedOperation memory forged = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE + 1);
        (, uint256 impostorPk) = makeAddrAndKey("impostor");
        forged.signature = _sign(impostorPk, forged.record, forged.deadline);
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 first = _anchorAlone(forged, START + 10);
        bytes32 second = _anchorAlone(op, START + 11);
        bytes32[] memory none = new bytes32[](0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                second,
                _leaf(op),
                first,
                _leaf(forged)
            )
        );
        judge.challengeDuplicate(second, op, none, first, forged, none);
    }

    function test_blocksOfTheSameSecondDoNotStrikeEachOther() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        SignedOperation memory again = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE + 1);
        bytes32 a = _anchorAlone(op, START + 10);
        bytes32 b = _anchorAlone(again, START + 10);
        bytes32[] memory none = new bytes32[](0);
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeNotDuplicate.selector, b, _leaf(again), a, _leaf(op))
        );
        judge.challengeDuplicate(b, again, none, a, op, none);
    }

    // ---------------------------------------------------------------- who records disputes

    function testFuzz_recordDispute_onlyTheJudge(address caller) public {
        vm.assume(caller != address(judge));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryNotJudge.selector, caller));
        vm.prank(caller);
        ledger.recordDispute(keccak256("root"), keccak256("leaf"), sourceKey, caller, DisputeReason.InvalidSignature);
    }

    function test_judgeIsTheLedgersOwn() public view {
        vm.assertEq(address(judge.ledger()), address(ledger), "ledger");
    }

    // ---------------------------------------------------------------- fuzz: honest blocks

    /// @dev Honest blocks: four operations by registered sources in allowed formats, in time,
    /// inside the range, of distinct readings. No challenge of any of them succeeds, whatever
    /// happens to the sources afterwards.
    function testFuzz_honestBlocksCannotBeDisputed(bytes32 seed, uint32 later, uint8 afterwards) public {
        (uint64 otherId, address otherKey, uint256 otherPk) = _registerSource("second", _two(FORMAT_AIR, FORMAT_NOISE));
        SignedOperation[4] memory ops;
        bytes32[4] memory leaves;
        for (uint256 i = 0; i < 4; ++i) {
            bool mine = uint8(seed[i]) % 2 == 0;
            RecordInput memory record = _record(
                keccak256(abi.encode(seed, i)),
                i % 2 == 0 || mine ? FORMAT_AIR : FORMAT_NOISE
            );
            record.sampledAt = START - 60 + uint48(uint8(seed[4 + i]) % 30);
            uint48 deadline = START + 10 + uint48(uint8(seed[8 + i]));
            (address key, uint256 pk) = mine ? (sourceKey, sourceKeyPk) : (otherKey, otherPk);
            ops[i] = SignedOperation(key, record, deadline, 0, _sign(pk, record, deadline));
            leaves[i] = _leaf(ops[i]);
        }
        (bytes32 root, bytes32[][4] memory proofs) = _tree4(leaves);
        vm.warp(START + 10);
        vm.prank(gateway);
        ledger.submitDataBlock(root, 4, START - 60, START - 31, "");

        // Afterwards (in the same second or later), the sources change in every way they can.
        vm.warp(START + 10 + uint48(later % 3));
        vm.startPrank(operator);
        if (afterwards & 1 != 0) ledger.suspendSource(sourceId, 0);
        if (afterwards & 2 != 0) ledger.setSourceFormats(otherId, _one(FORMAT_NOISE), false);
        if (afterwards & 4 != 0) ledger.deprecateFormat(FORMAT_AIR);
        if (afterwards & 8 != 0)
            ledger.rotateSourceKey(otherId, makeAddr("rotated"), _keyProof("rotated", sourceOwner));
        vm.stopPrank();

        for (uint256 i = 0; i < 4; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, root, leaves[i])
            );
            judge.challenge(root, ops[i], proofs[i]);
            vm.assertTrue(ledger.verifyInclusion(root, ops[i], proofs[i]), "honest operation does not verify");
        }
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "disputes");
    }

    function _operationIn(bytes32 formatId, bytes32 dataHash) internal view returns (SignedOperation memory op) {
        RecordInput memory record = _record(dataHash, formatId);
        op = SignedOperation(sourceKey, record, DEADLINE, 0, _sign(sourceKeyPk, record, DEADLINE));
    }
}
