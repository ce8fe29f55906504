// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataBlockJudge} from "../../contracts/interfaces/IDataBlockJudge.sol";
import {IDataRegistry} from "../../contracts/interfaces/IDataRegistry.sol";
import {
    FORMAT_UNIQUE_DATA_HASHES,
    DataBlockStatus,
    DisputeReason,
    RecordInput,
    RecordStatus,
    SignedOperation
} from "../../contracts/types/DataLedgerTypes.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";

/// @notice The data block judge: every rule of the direct path, proved broken for one operation
/// of a block (the challenge succeeds) or not (it reverts), judged at the anchoring second; the
/// block's count, proved wrong from its positional tree; and the block's identity, per gateway.
/// Trees, leaves and block ids are built with the fixture's own helpers, written from the
/// specification, so the tests hold the judge to the rule rather than to itself.
contract DataBlockJudgeTest is LedgerFixture {
    bytes32 internal constant DATA = keccak256("reading #1");
    uint48 internal constant DEADLINE = START + 1 hours;

    /// @dev The chain id before a test changes it, kept in storage: with viaIR a local copy of
    /// `block.chainid` may be re-read after `vm.chainId`, as `block.timestamp` is after `vm.warp`.
    uint256 internal _chainIdBefore;

    // ---------------------------------------------------------------- challenges

    /// @dev A four-leaf block anchored at START + 10: one valid operation, one signed by a key that
    /// was never registered, one whose signature is not the claimed source's, one that expired
    /// before anchoring.
    function _anchorMixedBlock()
        internal
        returns (bytes32 id, SignedOperation[] memory ops, bytes32[][] memory proofs)
    {
        (address rogue, uint256 roguePk) = makeAddrAndKey("rogue");
        (, uint256 impostorPk) = makeAddrAndKey("impostor");
        ops = new SignedOperation[](4);
        ops[0] = _operation(sourceKey, sourceKeyPk, keccak256("valid"), DEADLINE);
        ops[1] = _operation(rogue, roguePk, keccak256("unregistered"), DEADLINE);
        ops[2] = _operation(sourceKey, sourceKeyPk, keccak256("forged"), DEADLINE);
        ops[2].signature = _sign(impostorPk, ops[2].record, DEADLINE);
        ops[3] = _operation(sourceKey, sourceKeyPk, keccak256("expired"), START + 9);
        bytes32 root;
        (root, proofs) = _tree(_leavesOf(gateway, ops));
        id = _submit(gateway, root, 4, START - 60, START - 60, START + 10);
    }

    function test_verifyInclusion_provesEveryLeafAtItsPosition() public {
        (bytes32 id, SignedOperation[] memory ops, bytes32[][] memory proofs) = _anchorMixedBlock();
        for (uint256 i = 0; i < 4; ++i) {
            vm.assertTrue(judge.verifyInclusion(id, ops[i], i, proofs[i]), "leaf not included");
        }
        vm.assertFalse(judge.verifyInclusion(id, ops[0], 1, proofs[1]), "wrong proof accepted");
        // The position is bound: the right siblings under another index fail. (Sorted pairs passed.)
        vm.assertFalse(judge.verifyInclusion(id, ops[0], 1, proofs[0]), "wrong position accepted");
        vm.assertFalse(judge.verifyInclusion(keccak256("other"), ops[0], 0, proofs[0]), "unknown block accepted");
    }

    function test_challengeDataBlock_revertsForValidOperation() public {
        (bytes32 id, SignedOperation[] memory ops, bytes32[][] memory proofs) = _anchorMixedBlock();
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, id, _leaf(ops[0]))
        );
        judge.challenge(id, ops[0], 0, proofs[0]);
        vm.assertEq(uint256(ledger.getDataBlock(id).status), uint256(DataBlockStatus.Anchored), "status");
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
        (bytes32 id, SignedOperation[] memory ops, bytes32[][] memory proofs) = _anchorMixedBlock();
        bytes32 leaf = _leaf(ops[index]);
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(id, stranger, leaf, ops[index].source, reason);
        vm.prank(stranger);
        judge.challenge(id, ops[index], index, proofs[index]);

        vm.assertEq(uint256(ledger.getDataBlock(id).status), uint256(DataBlockStatus.Disputed), "status");
        vm.assertTrue(ledger.isOperationDisputed(id, leaf), "struck");
        vm.assertFalse(judge.verifyInclusion(id, ops[index], index, proofs[index]), "struck operation still proves");
        // The review's finding: one bad operation wiped out the whole block. Its neighbours stand.
        vm.assertTrue(judge.verifyInclusion(id, ops[0], 0, proofs[0]), "honest neighbour struck too");
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 1, "gateway's disputes");

        // The same operation cannot be struck twice; another bad one still can.
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeAlreadyDisputed.selector, id, leaf));
        judge.challenge(id, ops[index], index, proofs[index]);
        uint256 other = index == 1 ? 2 : 1;
        judge.challenge(id, ops[other], other, proofs[other]);
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 2, "gateway's disputes");
        vm.assertTrue(judge.verifyInclusion(id, ops[0], 0, proofs[0]), "honest neighbour struck");
    }

    function test_challengeDataBlock_revertsForUnknownBlock() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 id = keccak256("nowhere");
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeUnknownDataBlock.selector, id));
        judge.challenge(id, op, 0, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeUnknownDataBlock.selector, id));
        judge.challengeCount(id, 0, bytes32(0), new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeUnknownDataBlock.selector, id));
        judge.verdict(id, op);
    }

    function test_challengeDataBlock_revertsForOperationOutsideTheBlock() public {
        (bytes32 id, , bytes32[][] memory proofs) = _anchorMixedBlock();
        (address rogue, uint256 roguePk) = makeAddrAndKey("outsider");
        SignedOperation memory outsider = _operation(rogue, roguePk, keccak256("outside"), DEADLINE);
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, _leaf(outsider))
        );
        judge.challenge(id, outsider, 1, proofs[1]);
    }

    function test_challengeDataBlock_acceptsDeadlineAtAnchoring() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, START + 10);
        bytes32 id = _anchorAlone(op, START + 10);
        _expectValid(id, op);
    }

    function test_challengeDataBlock_judgesTheSourceAtAnchoringTime() public {
        // Active at anchoring, suspended afterwards: the operation stays valid.
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 id = _anchorAlone(op, START);
        vm.warp(START + 1);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        _expectValid(id, op);

        // Suspended at anchoring: the same kind of operation is disputable.
        SignedOperation memory late = _operation(sourceKey, sourceKeyPk, keccak256("late"), DEADLINE);
        _expectStruck(_anchorAlone(late, START + 2), late, DisputeReason.InactiveSource);
    }

    /// @dev The deadline rule of a relayed record (valid while now <= deadline) holds for data
    /// blocks too: anchored in the deadline second is in time, a second later is challengeable.
    function test_challengeDataBlock_deadlineSecondIsInTimeAndTheNextIsNot() public {
        uint48 deadline = _now() + 100;
        SignedOperation memory onTime = _operation(sourceKey, sourceKeyPk, keccak256("on time"), deadline);
        _expectValid(_anchorAlone(onTime, deadline), onTime);

        SignedOperation memory late = _operation(sourceKey, sourceKeyPk, keccak256("late"), deadline);
        _expectStruck(_anchorAlone(late, deadline + 1), late, DisputeReason.ExpiredSignature);
    }

    function test_challengeDataBlock_retiredKeyAtAnchoring() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, makeAddr("newKey"));
        _expectStruck(_anchorAlone(op, START + 1), op, DisputeReason.InactiveSource);
    }

    // ---------------------------------------------------------------- same-second changes

    /// @dev The review's finding: a source owner rotated its key in the same second as the
    /// gateway's block (even after it), then challenged its own leaf as "inactive at anchoring".
    function test_sameSecondRotationAfterTheBlockCannotGetItDisputed() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 id = _anchorAlone(op, START + 10);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, makeAddr("newKey")); // still START + 10
        _expectValid(id, op);
        // A second later the old key is out: a block of then is disputable.
        SignedOperation memory late = _operation(sourceKey, sourceKeyPk, keccak256("late"), DEADLINE);
        _expectStruck(_anchorAlone(late, START + 11), late, DisputeReason.InactiveSource);
    }

    function test_sameSecondSuspensionCannotGetTheBlockDisputed() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        bytes32 id = _anchorAlone(op, START + 10);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        _expectValid(id, op);
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
        bytes32 id = _anchorAlone(op, START + 10);
        vm.startPrank(operator);
        ledger.suspendSource(sourceId, 0);
        ledger.reactivateSource(sourceId);
        vm.stopPrank();
        _expectValid(id, op);
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
        bytes32 id = _anchorAlone(same, START + 20);
        vm.prank(operator);
        ledger.deprecateFormat(FORMAT_NOISE); // START + 20 too
        _expectValid(id, same);
    }

    function test_formatNotAllowedAtAnchoringIsDisputable_evenIfAllowedLater() public {
        SignedOperation memory op = _operationIn(FORMAT_NOISE, DATA);
        bytes32 id = _anchorAlone(op, START + 10);
        vm.warp(START + 11);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        _expectStruck(id, op, DisputeReason.FormatNotAllowed);
    }

    function test_formatDisallowedAfterTheBlockLeavesItValid() public {
        SignedOperation memory op = _operationIn(FORMAT_AIR, DATA);
        bytes32 id = _anchorAlone(op, START + 10);
        vm.warp(START + 11);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_AIR), false);
        _expectValid(id, op);
    }

    /// @dev Finding 4: a block's operations never pass through the ledger's holder rule, so a
    /// block could anchor a second active holder of a unique data hash. Such formats are
    /// direct-only: any of their operations in a block is struck, whoever held the hash, and the
    /// same signed record relayed instead is anchored under the holder rule.
    function test_uniqueDataHashFormatInABlockIsStruck() public {
        bytes32 unique = keccak256("schema: deposit 1.0.0");
        vm.startPrank(operator);
        ledger.registerFormat(unique, "deposit", "1.0.0", "ipfs://deposit", FORMAT_UNIQUE_DATA_HASHES);
        ledger.setSourceFormats(sourceId, _one(unique), true);
        vm.stopPrank();
        SignedOperation memory op = _operationIn(unique, DATA);
        bytes32 id = _anchorAlone(op, START + 10);
        (bool valid, DisputeReason reason) = judge.verdict(id, op);
        vm.assertFalse(valid, "valid");
        vm.assertEq(uint256(reason), uint256(DisputeReason.UniqueDataHashFormat), "reason");
        _expectStruck(id, op, DisputeReason.UniqueDataHashFormat);

        // The path the gateway takes instead: relayed, under the holder rule.
        ledger.submitRecordBySig(sourceKey, op.record, op.deadline, op.signature);
        vm.assertEq(ledger.dataHashHolder(DATA), _id(DATA), "holder");
        vm.assertEq(uint256(ledger.getRecord(_id(DATA)).status), uint256(RecordStatus.Active), "relayed");
    }

    // ---------------------------------------------------------------- range

    function test_samplingTimeOutsideTheBlocksRangeIsDisputable() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE); // START - 60
        bytes32 id = _submit(gateway, _leaf(op), 1, START - 59, START, START + 10);
        _expectStruck(id, op, DisputeReason.OutsideSampledRange);

        SignedOperation memory after_ = _operation(sourceKey, sourceKeyPk, keccak256("after"), DEADLINE);
        bytes32 afterId = _submit(gateway, _leaf(after_), 1, START - 120, START - 61, START + 10);
        _expectStruck(afterId, after_, DisputeReason.OutsideSampledRange);
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
        bytes32 id = _anchorAlone(op, START + 10);
        ledger.submitRecordBySig(sourceKey, op.record, op.deadline, op.signature);
        _expectValid(id, op);
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
        judge.challengeDuplicate(first, op, 0, none, second, again, 0, none);

        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(
            second,
            address(this),
            _leaf(again),
            sourceKey,
            DisputeReason.DuplicateRecord
        );
        judge.challengeDuplicate(second, again, 0, none, first, op, 0, none);
        vm.assertTrue(judge.verifyInclusion(first, op, 0, none), "the first copy stands");
        vm.assertFalse(judge.verifyInclusion(second, again, 0, none), "the copy is struck");
    }

    /// @dev Within one block the smaller position wins, whatever the leaves' hashes.
    function test_challengeDuplicate_withinABlockTheSmallerPositionWins() public {
        SignedOperation[] memory ops = new SignedOperation[](4);
        ops[0] = _operation(sourceKey, sourceKeyPk, keccak256("b"), DEADLINE);
        ops[1] = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        ops[2] = _operation(sourceKey, sourceKeyPk, keccak256("c"), DEADLINE);
        ops[3] = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE + 1); // same record id as ops[1]
        // The earlier position gets the larger leaf, so the old rule (smaller leaf wins) would
        // pick the other copy.
        if (_leaf(ops[1]) < _leaf(ops[3])) (ops[1], ops[3]) = (ops[3], ops[1]);
        bytes32[] memory leaves = _leavesOf(gateway, ops);
        vm.assertGt(uint256(leaves[1]), uint256(leaves[3]), "leaf order");
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 id = _submit(gateway, root, 4, START - 60, START - 60, START + 10);

        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeNotDuplicate.selector, id, leaves[1], id, leaves[3])
        );
        judge.challengeDuplicate(id, ops[1], 1, proofs[1], id, ops[3], 3, proofs[3]);
        judge.challengeDuplicate(id, ops[3], 3, proofs[3], id, ops[1], 1, proofs[1]);
        vm.assertTrue(judge.verifyInclusion(id, ops[1], 1, proofs[1]), "the earlier position stands");
        vm.assertFalse(judge.verifyInclusion(id, ops[3], 3, proofs[3]), "the later position is struck");

        // The same operation is not a duplicate of itself.
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeNotDuplicate.selector, id, leaves[2], id, leaves[2])
        );
        judge.challengeDuplicate(id, ops[2], 2, proofs[2], id, ops[2], 2, proofs[2]);
    }

    /// @dev The same signed operation at two positions of one block is one operation: striking
    /// "the later copy" would strike its leaf, and so the earlier copy too.
    function test_challengeDuplicate_theSameOperationTwiceInABlockIsOneOperation() public {
        SignedOperation[] memory ops = new SignedOperation[](2);
        ops[0] = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        ops[1] = ops[0];
        bytes32[] memory leaves = _leavesOf(gateway, ops);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 id = _submit(gateway, root, 2, START - 60, START - 60, START + 10);
        vm.expectRevert(
            abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeNotDuplicate.selector, id, leaves[1], id, leaves[0])
        );
        judge.challengeDuplicate(id, ops[1], 1, proofs[1], id, ops[0], 0, proofs[0]);
        vm.assertTrue(judge.verifyInclusion(id, ops[0], 0, proofs[0]), "stands");
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
        judge.challengeDuplicate(second, op, 0, none, first, forged, 0, none);
    }

    /// @dev Two blocks of one second holding the same reading: the one with the smaller blockId
    /// stands and the other's copy can be struck, never both, never neither.
    function test_blocksOfTheSameSecondStrikeExactlyOneCopy() public {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        SignedOperation memory again = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE + 1);
        bytes32 a = _anchorAlone(op, START + 10);
        bytes32 b = _anchorAlone(again, START + 10);
        bytes32[] memory none = new bytes32[](0);
        (bytes32 small, SignedOperation memory kept, bytes32 large, SignedOperation memory copy) = a < b
            ? (a, op, b, again)
            : (b, again, a, op);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                small,
                _leaf(kept),
                large,
                _leaf(copy)
            )
        );
        judge.challengeDuplicate(small, kept, 0, none, large, copy, 0, none);
        judge.challengeDuplicate(large, copy, 0, none, small, kept, 0, none);
        vm.assertTrue(judge.verifyInclusion(small, kept, 0, none), "the smaller block's copy stands");
        vm.assertFalse(judge.verifyInclusion(large, copy, 0, none), "the other is struck");
    }

    // ---------------------------------------------------------------- count (finding 1)

    /// @dev Three operations in a four-slot tree, claimed as four: the empty slot 3 sits below the
    /// count, which proves it too high. The three operations stand.
    function test_challengeCount_countTooHigh_emptySlotBelowTheCountIsProved() public {
        (SignedOperation[] memory ops, bytes32[] memory leaves) = _honestOps(3);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 id = _submit(gateway, root, 4, START - 60, START - 60, START + 10);

        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(id, stranger, bytes32(0), address(0), DisputeReason.WrongCount);
        vm.prank(stranger);
        judge.challengeCount(id, 3, bytes32(0), proofs[3]);

        vm.assertEq(uint256(ledger.getDataBlock(id).status), uint256(DataBlockStatus.Disputed), "status");
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 1, "gateway's disputes");
        for (uint256 i = 0; i < 3; ++i) {
            vm.assertTrue(judge.verifyInclusion(id, ops[i], i, proofs[i]), "honest operation struck");
        }
        // The empty slot is disputed once per block.
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeAlreadyDisputed.selector, id, bytes32(0)));
        judge.challengeCount(id, 3, bytes32(0), proofs[3]);
    }

    /// @dev Four operations claimed as three: the operation at position 3 sits past the count,
    /// which proves it too low. It does not verify (it is not in the block); the others stand.
    function test_challengeCount_countTooLow_operationPastTheCountIsProved() public {
        (SignedOperation[] memory ops, bytes32[] memory leaves) = _honestOps(4);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 id = _submit(gateway, root, 3, START - 60, START - 60, START + 10);
        vm.assertFalse(judge.verifyInclusion(id, ops[3], 3, proofs[3]), "past the count verifies");
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, leaves[3]));
        judge.challenge(id, ops[3], 3, proofs[3]);

        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(id, address(this), leaves[3], address(0), DisputeReason.WrongCount);
        judge.challengeCount(id, 3, leaves[3], proofs[3]);
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 1, "gateway's disputes");
        for (uint256 i = 0; i < 3; ++i) {
            vm.assertTrue(judge.verifyInclusion(id, ops[i], i, proofs[i]), "honest operation struck");
        }
    }

    /// @dev An honest block of five (eight slots): no slot, full or empty, proves its count wrong.
    function test_challengeCount_honestCountHolds() public {
        (, bytes32[] memory leaves) = _honestOps(5);
        bytes32[] memory slots = _slots(leaves);
        (bytes32 root, bytes32[][] memory proofs) = _treeOfSlots(slots);
        bytes32 id = _submit(gateway, root, 5, START - 60, START - 60, START + 10);
        for (uint256 i = 0; i < slots.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeCountHolds.selector, id, i, slots[i]));
            judge.challengeCount(id, i, slots[i], proofs[i]);
        }
        // A slot that is not there: an empty slot claimed at a full position, and the other way.
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, bytes32(0)));
        judge.challengeCount(id, 0, bytes32(0), proofs[0]);
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, leaves[0]));
        judge.challengeCount(id, 5, leaves[0], proofs[5]);
        // The inner node where the empty slots 6 and 7 meet, with the two siblings above it,
        // recomputes the root from "position 7": one level short, it must not pass as a slot past
        // the count (a false WrongCount against an honest gateway).
        bytes32 empty = _node(bytes32(0), bytes32(0));
        bytes32[] memory short = new bytes32[](2);
        short[0] = _node(slots[4], slots[5]);
        short[1] = _node(_node(slots[0], slots[1]), _node(slots[2], slots[3]));
        vm.assertEq(_node(short[1], _node(short[0], empty)), root, "the short proof recomputes the root");
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, empty));
        judge.challengeCount(id, 7, empty, short);
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "disputes");
    }

    /// @dev A proof must have exactly the depth the count gives: shorter (an inner node taken as
    /// a leaf) or longer (a leaf taken as an inner node) is refused, and so is a position beyond
    /// the tree.
    function test_proofOfTheWrongLengthIsRefused() public {
        (SignedOperation[] memory ops, bytes32[] memory leaves) = _honestOps(5);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves); // depth 3
        bytes32 id = _submit(gateway, root, 5, START - 60, START - 60, START + 10);

        bytes32[] memory longer = new bytes32[](4);
        for (uint256 k = 0; k < 3; ++k) longer[k] = proofs[0][k];
        bytes32[] memory shorter = new bytes32[](2);
        shorter[0] = proofs[0][0];
        shorter[1] = proofs[0][1];
        vm.assertFalse(judge.verifyInclusion(id, ops[0], 0, longer), "longer proof verifies");
        vm.assertFalse(judge.verifyInclusion(id, ops[0], 0, shorter), "shorter proof verifies");
        // Index 8 has the bits of index 0 below the depth: refused, not read as position 0.
        vm.assertFalse(judge.verifyInclusion(id, ops[0], 8, proofs[0]), "index past the tree verifies");
        // Read as position 0 it would pass leaf 0 as a slot past the count: a false WrongCount.
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, leaves[0]));
        judge.challengeCount(id, 8, leaves[0], proofs[0]);
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, leaves[0]));
        judge.challenge(id, ops[0], 0, longer);
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, leaves[0]));
        judge.challenge(id, ops[0], 0, shorter);
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, bytes32(0)));
        judge.challengeCount(id, 5 + 8, bytes32(0), proofs[5]);
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, bytes32(0)));
        judge.challengeCount(id, 5, bytes32(0), longer);
    }

    /// @dev Neither the root nor an inner node passes as a slot (so none can fake a count
    /// dispute), and no operation can be made to hash to one.
    function test_rootAndInnerNodesDoNotVerify() public {
        (, bytes32[] memory leaves) = _honestOps(4);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 id = _submit(gateway, root, 3, START - 60, START - 60, START + 10); // count too low
        bytes32 left = _node(leaves[0], leaves[1]);
        bytes32 right = _node(leaves[2], leaves[3]);

        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, root));
        judge.challengeCount(id, 0, root, new bytes32[](0));
        // The inner node over slots 2 and 3 with its one real sibling: one level short.
        bytes32[] memory up = new bytes32[](1);
        up[0] = left;
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, right));
        judge.challengeCount(id, 1, right, up);
        // Padded to the right length, it no longer recomputes the root.
        bytes32[] memory padded = new bytes32[](2);
        padded[0] = bytes32(0);
        padded[1] = left;
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeInvalidProof.selector, id, right));
        judge.challengeCount(id, 3, right, padded);
        // The real slot does.
        judge.challengeCount(id, 3, leaves[3], proofs[3]);
    }

    // ---------------------------------------------------------------- front-running (finding 2)

    /// @dev Gateway B sees gateway A's transaction and anchors A's root first, with a false count,
    /// range and URI. A's block is still anchored; no operation of it can be struck, neither as
    /// outside B's range nor as a duplicate of B's copy; nothing verifies in B's copy; and B's
    /// false count is provable against B.
    function test_frontRunning_aRivalsCopyOfTheRootCannotTakeOrTaintTheBlock() public {
        address rival = makeAddr("rival gateway");
        vm.prank(operator);
        ledger.grantRole(GATEWAY_ROLE, rival);
        (SignedOperation[] memory ops, bytes32[] memory leaves) = _honestOps(3);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);

        bytes32 copyId = _submit(rival, root, 4, START - 1000, START - 900, START + 10);
        // In the same second, after it: A's own transaction still succeeds.
        bytes32 id = _submit(gateway, root, 3, START - 60, START - 60, START + 10);
        vm.assertNotEq(id, copyId, "one key for both");
        vm.assertEq(ledger.getDataBlock(id).gateway, gateway, "the block is A's");
        vm.assertEq(uint256(ledger.getDataBlock(id).count), 3, "A's count");

        for (uint256 i = 0; i < 3; ++i) {
            vm.assertTrue(judge.verifyInclusion(id, ops[i], i, proofs[i]), "A's operation does not verify");
            vm.assertFalse(judge.verifyInclusion(copyId, ops[i], i, proofs[i]), "A's operation verifies in B's copy");
            _expectValidAt(id, ops[i], i, proofs[i]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDataBlockJudge.DataBlockJudgeInvalidProof.selector,
                    copyId,
                    _leaf(rival, ops[i])
                )
            );
            judge.challengeDuplicate(id, ops[i], i, proofs[i], copyId, ops[i], i, proofs[i]);
        }
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "A's disputes");

        // B claimed four operations of a three-operation tree: slot 3 is empty.
        judge.challengeCount(copyId, 3, bytes32(0), proofs[3]);
        vm.assertEq(uint256(ledger.disputesOf(rival)), 1, "B's disputes");
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "A's disputes after B's");
    }

    /// @dev The same root twice from one gateway is refused (its blockId is taken); from another
    /// gateway with the very same parameters it is another block.
    function test_frontRunning_anIdenticalCopyIsAnotherBlock() public {
        address rival = makeAddr("rival gateway");
        vm.prank(operator);
        ledger.grantRole(GATEWAY_ROLE, rival);
        (SignedOperation[] memory ops, bytes32[] memory leaves) = _honestOps(2);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 copyId = _submit(rival, root, 2, START - 60, START - 60, START + 10);
        bytes32 id = _submit(gateway, root, 2, START - 60, START - 60, START + 10);
        vm.assertEq(id, _blockId(gateway, root), "blockId");
        vm.assertEq(copyId, _blockId(rival, root), "rival's blockId");
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryDuplicateDataBlock.selector, id));
        vm.prank(gateway);
        ledger.submitDataBlock(root, 2, START - 60, START - 60, "ipfs://block");
        for (uint256 i = 0; i < 2; ++i) {
            vm.assertTrue(judge.verifyInclusion(id, ops[i], i, proofs[i]), "A's operation");
            vm.assertFalse(judge.verifyInclusion(copyId, ops[i], i, proofs[i]), "in B's copy");
        }
    }

    // ---------------------------------------------------------------- chain id (finding 3)

    /// @dev After a chain-id change (a fork), a block anchored before it keeps every honest
    /// operation valid: its signatures are judged in the domain of the chain id it was anchored
    /// under, not the current one.
    function test_chainIdChange_historicalBlockStaysValid() public {
        _chainIdBefore = block.chainid;
        (SignedOperation[] memory ops, bytes32[] memory leaves) = _honestOps(3);
        (bytes32 root, bytes32[][] memory proofs) = _tree(leaves);
        bytes32 id = _submit(gateway, root, 3, START - 60, START - 60, START + 10);
        vm.chainId(_chainIdBefore + 1);
        vm.assertEq(ledger.getDataBlock(id).chainId, _chainIdBefore, "chainId");
        for (uint256 i = 0; i < 3; ++i) _expectValidAt(id, ops[i], i, proofs[i]);
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "disputes");
    }

    /// @dev A block anchored after the change is judged in the new domain: operations signed for
    /// the old chain id are struck as InvalidSignature (they could be replayed from the other
    /// fork), operations signed for the new one stand.
    function test_chainIdChange_laterBlockIsJudgedInTheNewDomain() public {
        _chainIdBefore = block.chainid;
        SignedOperation memory old = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE); // old domain
        vm.chainId(_chainIdBefore + 1);
        SignedOperation memory fresh = _operation(sourceKey, sourceKeyPk, keccak256("fresh"), DEADLINE); // new one
        bytes32 oldId = _anchorAlone(old, START + 10);
        vm.assertEq(ledger.getDataBlock(oldId).chainId, _chainIdBefore + 1, "chainId");
        _expectStruck(oldId, old, DisputeReason.InvalidSignature);
        _expectValid(_anchorAlone(fresh, START + 11), fresh);
    }

    /// @dev The header keeps the chain id as an index: back on the deployment chain it is index 0
    /// again, and every later chain id keeps its own.
    function test_chainIdChange_eachBlockKeepsItsChainId() public {
        _chainIdBefore = block.chainid;
        uint256[4] memory chains = [_chainIdBefore + 7, _chainIdBefore + 9, _chainIdBefore, _chainIdBefore + 7];
        bytes32[4] memory ids;
        for (uint256 i = 0; i < 4; ++i) {
            vm.chainId(chains[i]);
            vm.expectEmit(address(ledger));
            bytes32 root = keccak256(abi.encode("root", i));
            emit IDataRegistry.DataBlockAnchored(
                _blockId(root),
                root,
                gateway,
                1,
                START,
                START,
                chains[i],
                "ipfs://block"
            );
            vm.prank(gateway);
            ids[i] = ledger.submitDataBlock(root, 1, START, START, "ipfs://block");
        }
        for (uint256 i = 0; i < 4; ++i) {
            vm.assertEq(ledger.getDataBlock(ids[i]).chainId, chains[i], "chainId");
        }
    }

    // ---------------------------------------------------------------- who records disputes

    function testFuzz_recordDispute_onlyTheJudge(address caller) public {
        vm.assume(caller != address(judge));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.DataRegistryNotJudge.selector, caller));
        vm.prank(caller);
        ledger.recordDispute(keccak256("block"), keccak256("leaf"), sourceKey, caller, DisputeReason.InvalidSignature);
    }

    function test_judgeIsTheLedgersOwn() public view {
        vm.assertEq(address(judge.ledger()), address(ledger), "ledger");
    }

    function test_leafHash_bindsTheGateway() public view {
        SignedOperation memory op = _operation(sourceKey, sourceKeyPk, DATA, DEADLINE);
        vm.assertEq(judge.leafHash(gateway, op), _leaf(gateway, op), "leaf");
        vm.assertNotEq(judge.leafHash(stranger, op), judge.leafHash(gateway, op), "gateway not bound");
    }

    // ---------------------------------------------------------------- fuzz: honest blocks

    /// @dev Honest blocks of 1 to 40 operations by registered sources in allowed formats, in
    /// time, inside the range, of distinct readings, in a positional tree of the claimed count. No
    /// challenge of any of them, no count challenge of any slot and no duplicate challenge of any
    /// pair succeeds, whatever happens to the sources afterwards.
    function testFuzz_honestBlocksCannotBeDisputed(bytes32 seed, uint8 size, uint32 later, uint8 afterwards) public {
        uint256 n = bound(size, 1, 40);
        (uint64 otherId, address otherKey, uint256 otherPk) = _registerSource("second", _two(FORMAT_AIR, FORMAT_NOISE));
        SignedOperation[] memory ops = new SignedOperation[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 bits = uint256(keccak256(abi.encode(seed, i)));
            bool mine = bits & 1 == 0;
            RecordInput memory record = _record(
                keccak256(abi.encode(seed, "reading", i)),
                mine || (bits >> 1) & 1 == 0 ? FORMAT_AIR : FORMAT_NOISE
            );
            record.sampledAt = START - 60 + uint48((bits >> 8) % 30);
            uint48 deadline = START + 10 + uint48((bits >> 16) % 256);
            (address key, uint256 pk) = mine ? (sourceKey, sourceKeyPk) : (otherKey, otherPk);
            ops[i] = SignedOperation(key, record, deadline, 0, _sign(pk, record, deadline));
        }
        bytes32[] memory slots = _slots(_leavesOf(gateway, ops));
        (bytes32 root, bytes32[][] memory proofs) = _treeOfSlots(slots);
        bytes32 id = _submit(gateway, root, uint32(n), START - 60, START - 31, START + 10);

        // Afterwards (in the same second or later), the sources change in every way they can.
        vm.warp(START + 10 + uint48(later % 3));
        vm.startPrank(operator);
        if (afterwards & 1 != 0) ledger.suspendSource(sourceId, 0);
        if (afterwards & 2 != 0) ledger.setSourceFormats(otherId, _one(FORMAT_NOISE), false);
        if (afterwards & 4 != 0) ledger.deprecateFormat(FORMAT_AIR);
        if (afterwards & 8 != 0) ledger.rotateSourceKey(otherId, makeAddr("rotated"));
        vm.stopPrank();

        for (uint256 i = 0; i < n; ++i) {
            _expectValidAt(id, ops[i], i, proofs[i]);
            // A duplicate challenge against another position (or the same one) fails.
            uint256 j = uint256(keccak256(abi.encode(seed, "pair", i))) % n;
            vm.expectRevert(
                abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeNotDuplicate.selector, id, slots[i], id, slots[j])
            );
            judge.challengeDuplicate(id, ops[i], i, proofs[i], id, ops[j], j, proofs[j]);
        }
        for (uint256 i = 0; i < slots.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeCountHolds.selector, id, i, slots[i]));
            judge.challengeCount(id, i, slots[i], proofs[i]);
        }
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "disputes");
        vm.assertEq(uint256(ledger.getDataBlock(id).status), uint256(DataBlockStatus.Anchored), "status");
    }

    /// @dev Two honest blocks of distinct readings, from two gateways, in the same second or
    /// apart: no operation of either is a duplicate of one in the other, in either direction,
    /// whatever their blockIds' order.
    function testFuzz_honestBlocksHaveNoDuplicatesAcrossBlocks(
        bytes32 seed,
        uint8 sizeA,
        uint8 sizeB,
        bool apart
    ) public {
        address rival = makeAddr("second gateway");
        vm.prank(operator);
        ledger.grantRole(GATEWAY_ROLE, rival);
        (SignedOperation[] memory a, ) = _honestOps(bound(sizeA, 1, 20));
        SignedOperation[] memory b = new SignedOperation[](bound(sizeB, 1, 20));
        for (uint256 i = 0; i < b.length; ++i) {
            b[i] = _operation(sourceKey, sourceKeyPk, keccak256(abi.encode(seed, "other", i)), DEADLINE);
        }
        (bytes32 rootA, bytes32[][] memory proofsA) = _tree(_leavesOf(gateway, a));
        (bytes32 rootB, bytes32[][] memory proofsB) = _tree(_leavesOf(rival, b));
        bytes32 idA = _submit(gateway, rootA, uint32(a.length), START - 60, START - 60, START + 10);
        bytes32 idB = _submit(rival, rootB, uint32(b.length), START - 60, START - 60, apart ? START + 11 : START + 10);

        for (uint256 i = 0; i < b.length; ++i) {
            uint256 j = uint256(keccak256(abi.encode(seed, "pair", i))) % a.length;
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                    idB,
                    _leaf(rival, b[i]),
                    idA,
                    _leaf(gateway, a[j])
                )
            );
            judge.challengeDuplicate(idB, b[i], i, proofsB[i], idA, a[j], j, proofsA[j]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDataBlockJudge.DataBlockJudgeNotDuplicate.selector,
                    idA,
                    _leaf(gateway, a[j]),
                    idB,
                    _leaf(rival, b[i])
                )
            );
            judge.challengeDuplicate(idA, a[j], j, proofsA[j], idB, b[i], i, proofsB[i]);
        }
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 0, "A's disputes");
        vm.assertEq(uint256(ledger.disputesOf(rival)), 0, "B's disputes");
    }

    /// @dev The other side of the count rule: a tree of 1 to 40 operations anchored with any
    /// other count of the same depth is always provably wrong, by the slot at the smaller of the
    /// true and the claimed count (empty below a count too high, full past a count too low).
    function testFuzz_wrongCountIsProvable(uint8 size, uint8 claimedSeed) public {
        uint256 n = bound(size, 1, 40);
        uint256 depth = _depth(n);
        // Claimed counts of the same depth: (2^(depth-1), 2^depth], or 1 for depth 0.
        uint256 low = depth == 0 ? 1 : (uint256(1) << (depth - 1)) + 1;
        uint256 claimed = bound(claimedSeed, low, uint256(1) << depth);
        vm.assume(claimed != n);
        (, bytes32[] memory leaves) = _honestOps(n);
        bytes32[] memory slots = _slots(leaves);
        (bytes32 root, bytes32[][] memory proofs) = _treeOfSlots(slots);
        bytes32 id = _submit(gateway, root, uint32(claimed), START - 60, START - 60, START + 10);

        uint256 index = claimed > n ? n : claimed;
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(id, address(this), slots[index], address(0), DisputeReason.WrongCount);
        judge.challengeCount(id, index, slots[index], proofs[index]);
        vm.assertEq(uint256(ledger.disputesOf(gateway)), 1, "disputes");
    }

    // ---------------------------------------------------------------- helpers

    function _submit(
        address blockGateway,
        bytes32 root,
        uint32 count,
        uint48 firstSampledAt,
        uint48 lastSampledAt,
        uint48 at
    ) internal returns (bytes32 id) {
        vm.warp(at);
        vm.prank(blockGateway);
        id = ledger.submitDataBlock(root, count, firstSampledAt, lastSampledAt, "ipfs://block");
        vm.assertEq(id, _blockId(blockGateway, root), "blockId");
    }

    /// @dev Anchors `op` alone (its leaf is the root) at `at`, over the fixture's sampling second.
    function _anchorAlone(SignedOperation memory op, uint48 at) internal returns (bytes32 id) {
        id = _submit(gateway, _leaf(op), 1, START - 60, START - 60, at);
    }

    function _leavesOf(
        address blockGateway,
        SignedOperation[] memory ops
    ) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](ops.length);
        for (uint256 i = 0; i < ops.length; ++i) leaves[i] = _leaf(blockGateway, ops[i]);
    }

    /// @dev `n` valid operations of the fixture's source, of distinct readings, and their leaves
    /// in the fixture's gateway's blocks.
    function _honestOps(uint256 n) internal view returns (SignedOperation[] memory ops, bytes32[] memory leaves) {
        ops = new SignedOperation[](n);
        for (uint256 i = 0; i < n; ++i) {
            ops[i] = _operation(sourceKey, sourceKeyPk, keccak256(abi.encode("honest", i)), DEADLINE);
        }
        leaves = _leavesOf(gateway, ops);
    }

    function _expectStruck(bytes32 id, SignedOperation memory op, DisputeReason reason) internal {
        vm.expectEmit(address(ledger));
        emit IDataRegistry.DataBlockDisputed(id, address(this), _leaf(op), op.source, reason);
        judge.challenge(id, op, 0, new bytes32[](0));
        vm.assertTrue(ledger.isOperationDisputed(id, _leaf(op)), "not struck");
    }

    function _expectValid(bytes32 id, SignedOperation memory op) internal {
        _expectValidAt(id, op, 0, new bytes32[](0));
    }

    function _expectValidAt(bytes32 id, SignedOperation memory op, uint256 index, bytes32[] memory proof) internal {
        vm.expectRevert(abi.encodeWithSelector(IDataBlockJudge.DataBlockJudgeValidOperation.selector, id, _leaf(op)));
        judge.challenge(id, op, index, proof);
        (bool valid, ) = judge.verdict(id, op);
        vm.assertTrue(valid, "verdict");
        vm.assertTrue(judge.verifyInclusion(id, op, index, proof), "honest operation does not verify");
    }

    function _operationIn(bytes32 formatId, bytes32 dataHash) internal view returns (SignedOperation memory op) {
        RecordInput memory record = _record(dataHash, formatId);
        op = SignedOperation(sourceKey, record, DEADLINE, 0, _sign(sourceKeyPk, record, DEADLINE));
    }
}
