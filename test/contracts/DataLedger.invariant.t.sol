// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataLedger} from "../../contracts/DataLedger.sol";
import {RecordStatus, RecordView, Source} from "../../contracts/types/DataLedgerTypes.sol";

import {DataLedgerHandler} from "./handlers/DataLedgerHandler.sol";
import {StdInvariant, Test} from "./utils/Test.sol";

/// @notice Invariants of the whole ledger under random sequences of actions by random actors
/// (see DataLedgerHandler). Each invariant reads the ledger and compares it with the handler's
/// independent model.
contract DataLedgerInvariantTest is Test, StdInvariant {
    DataLedgerHandler internal handler;
    DataLedger internal ledger;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new DataLedgerHandler();
        ledger = handler.ledger();

        bytes4[] memory selectors = new bytes4[](19);
        selectors[0] = DataLedgerHandler.registerSource.selector;
        selectors[1] = DataLedgerHandler.setSourceFormats.selector;
        selectors[2] = DataLedgerHandler.suspendSource.selector;
        selectors[3] = DataLedgerHandler.reactivateSource.selector;
        selectors[4] = DataLedgerHandler.revokeSource.selector;
        selectors[5] = DataLedgerHandler.rotateSourceKey.selector;
        selectors[6] = DataLedgerHandler.registerFormat.selector;
        selectors[7] = DataLedgerHandler.deprecateFormat.selector;
        selectors[8] = DataLedgerHandler.submitRecord.selector;
        selectors[9] = DataLedgerHandler.submitRecordBySig.selector;
        selectors[10] = DataLedgerHandler.updateRecord.selector;
        selectors[11] = DataLedgerHandler.revokeRecord.selector;
        selectors[12] = DataLedgerHandler.submitDataBlock.selector;
        selectors[13] = DataLedgerHandler.grantRole.selector;
        selectors[14] = DataLedgerHandler.revokeRole.selector;
        selectors[15] = DataLedgerHandler.renounceRole.selector;
        selectors[16] = DataLedgerHandler.pause.selector;
        selectors[17] = DataLedgerHandler.unpause.selector;
        selectors[18] = DataLedgerHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice (1) Nothing is recorded without an authorised, active source: every record on the
    /// ledger was accepted through the handler at a moment when, in the model, its source key was
    /// current and active and allowed the (active) format; and no record id a submission ever aimed
    /// at holds a record the handler did not see accepted.
    /// hardhat-config: invariant.runs = 100
    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_recordsOnlyFromAuthorisedActiveSources() public view {
        vm.assertEq(handler.unauthorisedAnchors(), 0, "ledger anchored a record without an authorised active source");
        uint256 count = handler.attemptedCount();
        bytes32[] memory ids = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) ids[i] = handler.attempted(i);
        uint64[] memory sourceIds = ledger.recordSourceIds(ids);
        for (uint256 i = 0; i < count; ++i) {
            bytes32 recordId = ids[i];
            RecordView memory stored = ledger.getRecord(recordId);
            DataLedgerHandler.ModelRecord memory expected = handler.modelRecord(recordId);
            vm.assertEq(uint256(stored.status), uint256(expected.status), "record status differs from the model");
            vm.assertEq(uint256(sourceIds[i]), uint256(stored.sourceId), "batch read differs from getRecord");
            if (stored.status == RecordStatus.None) continue;
            vm.assertTrue(handler.acceptedByLedger(recordId), "record appeared without an accepted submission");
            vm.assertTrue(handler.authorisedAtAnchor(recordId), "record's source was not authorised when anchored");
            vm.assertEq(uint256(stored.sourceId), uint256(expected.sourceId), "record attributed to another source");
            vm.assertEq(stored.formatId, expected.formatId, "record format differs");
        }
        vm.assertEq(uint256(ledger.getRecord(bytes32(0)).status), uint256(RecordStatus.None), "zero hash anchored");
    }

    /// @notice (2) A revoked record stays revoked, with its reason and attribution.
    /// hardhat-config: invariant.runs = 100
    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_revokedRecordsStayRevoked() public view {
        vm.assertEq(handler.revokedRecordChanges(), 0, "a revoked record was changed");
        uint256 count = handler.revokedCount();
        for (uint256 i = 0; i < count; ++i) {
            bytes32 recordId = handler.revoked(i);
            RecordView memory stored = ledger.getRecord(recordId);
            DataLedgerHandler.ModelRecord memory expected = handler.modelRecord(recordId);
            vm.assertEq(uint256(stored.status), uint256(RecordStatus.Revoked), "revoked record is no longer revoked");
            vm.assertEq(uint256(stored.revocationReason), expected.reason, "revocation reason changed");
            vm.assertEq(uint256(stored.sourceId), uint256(expected.sourceId), "revoked record re-attributed");
            vm.assertEq(stored.supersededBy, bytes32(0), "revoked record was superseded");
        }
    }

    /// @notice (3) Role boundaries: only accounts the handler granted a role (through an account
    /// entitled to grant it) hold it, SOURCE_ROLE is exactly "current key of an active source",
    /// every role's epoch counts exactly the times the account lost it, and replaying the
    /// ledger's RoleGranted/RoleRevoked events (as an indexer would) gives hasRole for every role,
    /// SOURCE_ROLE included, after every call.
    /// hardhat-config: invariant.runs = 100
    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_roleBoundaries() public view {
        vm.assertEq(handler.roleEscalations(), 0, "a role change was accepted from an unentitled account");
        vm.assertEq(handler.sourceRoleEventGaps(), 0, "a SOURCE_ROLE change was not announced by a role event");
        vm.assertEq(handler.redundantRoleEvents(), 0, "a role event announced no change");
        bytes32[6] memory roles = handler.roles();
        bytes32 sourceRole = handler.SOURCE_ROLE();
        address[] memory accounts = _everyone();
        for (uint256 a = 0; a < accounts.length; ++a) {
            address account = accounts[a];
            for (uint256 r = 0; r < roles.length; ++r) {
                bytes32 role = roles[r];
                bool expected = role == sourceRole ? handler.modelActiveKey(account) : handler.modelRole(role, account);
                vm.assertEq(ledger.hasRole(role, account), expected, "role holder differs from the granted set");
                vm.assertEq(
                    uint256(ledger.roleEpoch(role, account)),
                    uint256(handler.modelRoleEpoch(role, account)),
                    "role epoch differs from the number of losses"
                );
                vm.assertEq(
                    handler.eventRole(role, account),
                    ledger.hasRole(role, account),
                    "replayed role events differ from hasRole"
                );
            }
            vm.assertEq(
                ledger.hasRole(sourceRole, account),
                ledger.isActiveSource(account),
                "SOURCE_ROLE differs from active-source status"
            );
        }
    }

    /// @notice The source registry, format registry and pause flag match the model.
    /// hardhat-config: invariant.runs = 100
    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_registriesMatchTheModel() public view {
        uint64 count = handler.modelSourceCount();
        vm.assertEq(uint256(ledger.sourceCount()), uint256(count), "sourceCount");
        for (uint64 id = 1; id <= count; ++id) {
            Source memory stored = ledger.getSource(id);
            DataLedgerHandler.ModelSource memory expected = handler.modelSource(id);
            vm.assertEq(stored.signer, expected.signer, "source signer");
            vm.assertEq(stored.owner, expected.owner, "source owner");
            vm.assertEq(uint256(stored.status), uint256(expected.status), "source status");
            for (uint256 f = 0; f < handler.FORMAT_COUNT(); ++f) {
                bytes32 formatId = handler.formatAt(f);
                vm.assertEq(
                    ledger.isFormatAllowed(id, formatId),
                    handler.modelAllowed(id, formatId),
                    "allowed formats"
                );
            }
        }
        vm.assertEq(ledger.paused(), handler.modelPaused(), "paused");
    }

    /// @notice Every action succeeded or reverted exactly when the model said it should.
    /// hardhat-config: invariant.runs = 100
    /// hardhat-config: invariant.depth = 128
    /// hardhat-config: invariant.failOnRevert = true
    function invariant_everyOutcomeMatchesTheModel() public view {
        vm.assertEq(handler.mismatches(), 0, handler.lastMismatch());
    }

    /// @dev Every account the handler may act as, plus contracts in the setup that must hold no role.
    function _everyone() internal view returns (address[] memory accounts) {
        address[] memory actors = handler.actors();
        accounts = new address[](actors.length + 5);
        for (uint256 i = 0; i < actors.length; ++i) accounts[i] = actors[i];
        accounts[actors.length] = handler.admin();
        accounts[actors.length + 1] = handler.operator();
        accounts[actors.length + 2] = address(handler);
        accounts[actors.length + 3] = address(this);
        accounts[actors.length + 4] = address(ledger);
    }
}

/// @notice Guards the invariant suite against going vacuous: a fixed pseudo-random walk over the
/// handler must reach the success path of every action (so the invariants above are checked
/// against a ledger that actually holds sources, records, revocations and role changes), and the
/// model must agree with the ledger all along.
contract DataLedgerHandlerTest is Test {
    uint256 internal constant ACTIONS = 18;
    uint256 internal constant WALKS = 10;
    uint256 internal constant STEPS = 100;

    function test_randomWalk_reachesEveryActionAndMatchesTheModel() public {
        vm.warp(1_700_000_000);
        bytes4[ACTIONS] memory selectors = [
            DataLedgerHandler.registerSource.selector,
            DataLedgerHandler.setSourceFormats.selector,
            DataLedgerHandler.suspendSource.selector,
            DataLedgerHandler.reactivateSource.selector,
            DataLedgerHandler.revokeSource.selector,
            DataLedgerHandler.rotateSourceKey.selector,
            DataLedgerHandler.registerFormat.selector,
            DataLedgerHandler.deprecateFormat.selector,
            DataLedgerHandler.submitRecord.selector,
            DataLedgerHandler.submitRecordBySig.selector,
            DataLedgerHandler.updateRecord.selector,
            DataLedgerHandler.revokeRecord.selector,
            DataLedgerHandler.submitDataBlock.selector,
            DataLedgerHandler.grantRole.selector,
            DataLedgerHandler.revokeRole.selector,
            DataLedgerHandler.renounceRole.selector,
            DataLedgerHandler.pause.selector,
            DataLedgerHandler.unpause.selector
        ];
        uint256[ACTIONS] memory successes;
        uint256 anchored;
        uint256 revoked;

        for (uint256 w = 0; w < WALKS; ++w) {
            DataLedgerHandler handler = new DataLedgerHandler();
            for (uint256 s = 0; s < STEPS; ++s) _step(handler, uint256(keccak256(abi.encode(w, s))));
            vm.assertEq(handler.mismatches(), 0, handler.lastMismatch());
            vm.assertEq(handler.sourceRoleEventGaps(), 0, "a SOURCE_ROLE change was not announced");
            vm.assertEq(handler.redundantRoleEvents(), 0, "a role event announced no change");
            for (uint256 a = 0; a < ACTIONS; ++a) successes[a] += handler.successes(selectors[a]);
            anchored += handler.anchoredCount();
            revoked += handler.revokedCount();
        }
        for (uint256 a = 0; a < ACTIONS; ++a) {
            vm.assertGt(successes[a], 0, string.concat("action never succeeded: #", vm.toString(a)));
        }
        vm.assertGt(anchored, 10, "too few records anchored");
        vm.assertGt(revoked, 0, "no record revoked");
    }

    function _step(DataLedgerHandler handler, uint256 seed) internal {
        uint256 a = uint256(keccak256(abi.encode(seed, 1)));
        uint256 b = uint256(keccak256(abi.encode(seed, 2)));
        uint256 c = uint256(keccak256(abi.encode(seed, 3)));
        uint256 action = seed % (ACTIONS + 1);
        if (action == 0) handler.registerSource(a, b, c, uint8(seed >> 8));
        else if (action == 1) handler.setSourceFormats(a, b, c, (seed >> 8) % 2 == 0);
        else if (action == 2) handler.suspendSource(a, b);
        else if (action == 3) handler.reactivateSource(a, b);
        else if (action == 4) handler.revokeSource(a, b);
        else if (action == 5) handler.rotateSourceKey(a, b, c);
        else if (action == 6) handler.registerFormat(a, b);
        else if (action == 7) handler.deprecateFormat(a, b);
        else if (action == 8) handler.submitRecord(a, b, c);
        else if (action == 9) handler.submitRecordBySig(a, b, c, seed >> 8, seed >> 16, seed >> 24);
        else if (action == 10) handler.updateRecord(a, b, c, seed >> 8);
        else if (action == 11) handler.revokeRecord(a, b, uint16(c));
        else if (action == 12) handler.submitDataBlock(a, b, uint8(c), uint8(seed >> 8), uint8(seed >> 16));
        else if (action == 13) handler.grantRole(a, b, c);
        else if (action == 14) handler.revokeRole(a, b, c);
        else if (action == 15) handler.renounceRole(a, b);
        else if (action == 16) handler.pause(a);
        else if (action == 17) handler.unpause(a);
        else handler.warp(a);
    }
}
