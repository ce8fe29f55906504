// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {DataLedger} from "../../contracts/DataLedger.sol";
import {ILedgerRoles} from "../../contracts/interfaces/ILedgerRoles.sol";
import {RecordInput, SignedOperation, RecordStatus, DataBlockStatus} from "../../contracts/types/DataLedgerTypes.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";

contract LedgerRolesTest is LedgerFixture {
    // ---------------------------------------------------------------- role setup

    function test_roleIdentifiers_areTheHashesOfTheirNames() public view {
        vm.assertEq(ledger.SOURCE_ROLE(), SOURCE_ROLE, "SOURCE_ROLE");
        vm.assertEq(ledger.USER_ROLE(), USER_ROLE, "USER_ROLE");
        vm.assertEq(ledger.OPERATOR_ROLE(), OPERATOR_ROLE, "OPERATOR_ROLE");
        vm.assertEq(ledger.SUPERVISOR_ROLE(), SUPERVISOR_ROLE, "SUPERVISOR_ROLE");
        vm.assertEq(ledger.GATEWAY_ROLE(), GATEWAY_ROLE, "GATEWAY_ROLE");
    }

    function test_constructor_givesAdminTheDefaultAdminRoleOnly() public view {
        vm.assertTrue(ledger.hasRole(DEFAULT_ADMIN_ROLE, admin), "admin is default admin");
        vm.assertFalse(ledger.hasRole(OPERATOR_ROLE, admin), "admin is not an operator");
        vm.assertFalse(ledger.hasRole(DEFAULT_ADMIN_ROLE, address(this)), "deployer is not admin");
        vm.assertFalse(ledger.hasRole(DEFAULT_ADMIN_ROLE, operator), "operator is not admin");
    }

    function test_roleAdmins_followTheActorHierarchy() public view {
        vm.assertEq(ledger.getRoleAdmin(OPERATOR_ROLE), DEFAULT_ADMIN_ROLE, "operator admin");
        vm.assertEq(ledger.getRoleAdmin(SUPERVISOR_ROLE), DEFAULT_ADMIN_ROLE, "supervisor admin");
        vm.assertEq(ledger.getRoleAdmin(USER_ROLE), OPERATOR_ROLE, "user admin");
        vm.assertEq(ledger.getRoleAdmin(GATEWAY_ROLE), OPERATOR_ROLE, "gateway admin");
    }

    function test_supportsInterface_accessControl() public view {
        vm.assertTrue(ledger.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(
            ledger.supportsInterface(type(IAccessControlDefaultAdminRules).interfaceId),
            "IAccessControlDefaultAdminRules"
        );
        vm.assertTrue(ledger.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(ledger.supportsInterface(0xffffffff), "0xffffffff");
    }

    function test_grantRole_operatorGrantsUsersAndGateways() public {
        address account = makeAddr("newcomer");
        vm.startPrank(operator);
        ledger.grantRole(USER_ROLE, account);
        ledger.grantRole(GATEWAY_ROLE, account);
        vm.stopPrank();
        vm.assertTrue(ledger.hasRole(USER_ROLE, account), "user");
        vm.assertTrue(ledger.hasRole(GATEWAY_ROLE, account), "gateway");

        vm.prank(operator);
        ledger.revokeRole(GATEWAY_ROLE, account);
        vm.assertFalse(ledger.hasRole(GATEWAY_ROLE, account), "gateway revoked");
    }

    function test_grantRole_revertsWhenOperatorGrantsOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                operator,
                DEFAULT_ADMIN_ROLE
            )
        );
        vm.prank(operator);
        ledger.grantRole(OPERATOR_ROLE, stranger);
    }

    function test_grantRole_revertsWhenSupervisorGrantsUser() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, supervisor, OPERATOR_ROLE)
        );
        vm.prank(supervisor);
        ledger.grantRole(USER_ROLE, stranger);
    }

    // ---------------------------------------------------------------- SOURCE_ROLE is derived

    function test_grantRole_revertsForSourceRoleEvenForAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(ILedgerRoles.LedgerRolesManagedBySourceRegistry.selector, SOURCE_ROLE));
        vm.prank(admin);
        ledger.grantRole(SOURCE_ROLE, stranger);

        vm.expectRevert(abi.encodeWithSelector(ILedgerRoles.LedgerRolesManagedBySourceRegistry.selector, SOURCE_ROLE));
        vm.prank(operator);
        ledger.grantRole(SOURCE_ROLE, stranger);
        vm.assertFalse(ledger.hasRole(SOURCE_ROLE, stranger), "stranger gained SOURCE_ROLE");
    }

    function test_revokeRole_revertsForSourceRole() public {
        vm.expectRevert(abi.encodeWithSelector(ILedgerRoles.LedgerRolesManagedBySourceRegistry.selector, SOURCE_ROLE));
        vm.prank(operator);
        ledger.revokeRole(SOURCE_ROLE, sourceKey);
        vm.assertTrue(ledger.hasRole(SOURCE_ROLE, sourceKey), "source lost SOURCE_ROLE");
    }

    function test_renounceRole_revertsForSourceRole() public {
        vm.expectRevert(abi.encodeWithSelector(ILedgerRoles.LedgerRolesManagedBySourceRegistry.selector, SOURCE_ROLE));
        vm.prank(sourceKey);
        ledger.renounceRole(SOURCE_ROLE, sourceKey);
        vm.assertTrue(ledger.hasRole(SOURCE_ROLE, sourceKey), "source lost SOURCE_ROLE");
    }

    function test_renounceRole_worksForOtherRoles() public {
        vm.prank(gateway);
        ledger.renounceRole(GATEWAY_ROLE, gateway);
        vm.assertFalse(ledger.hasRole(GATEWAY_ROLE, gateway), "gateway kept role");
    }

    function test_hasRole_sourceRoleFollowsTheSourceLifecycle() public {
        vm.assertTrue(ledger.hasRole(SOURCE_ROLE, sourceKey), "registered");

        vm.prank(operator);
        ledger.suspendSource(sourceId, 1);
        vm.assertFalse(ledger.hasRole(SOURCE_ROLE, sourceKey), "suspended");

        vm.prank(operator);
        ledger.reactivateSource(sourceId);
        vm.assertTrue(ledger.hasRole(SOURCE_ROLE, sourceKey), "reactivated");

        address newKey = makeAddr("rotatedKey");
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey);
        vm.assertFalse(ledger.hasRole(SOURCE_ROLE, sourceKey), "old key after rotation");
        vm.assertTrue(ledger.hasRole(SOURCE_ROLE, newKey), "new key after rotation");

        vm.prank(operator);
        ledger.revokeSource(sourceId, 2);
        vm.assertFalse(ledger.hasRole(SOURCE_ROLE, newKey), "revoked");
    }

    function test_hasRole_sourceRoleIsNotHeldByTheOwner() public view {
        vm.assertFalse(ledger.hasRole(SOURCE_ROLE, sourceOwner), "owner is not the source key");
    }

    // ---------------------------------------------------------------- role epochs

    function test_roleEpoch_countsEveryLossOfARole() public {
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, user)), 0, "fresh");

        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleRevoked(USER_ROLE, user, operator);
        vm.prank(operator);
        ledger.revokeRole(USER_ROLE, user);
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, user)), 1, "revoked");

        // Revoking or renouncing a role the account does not hold loses nothing.
        vm.prank(operator);
        ledger.revokeRole(USER_ROLE, user);
        vm.prank(user);
        ledger.renounceRole(USER_ROLE, user);
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, user)), 1, "no-op counted");

        // Granting does not start a new epoch; losing the role again does.
        vm.prank(operator);
        ledger.grantRole(USER_ROLE, user);
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, user)), 1, "grant counted");
        vm.prank(user);
        ledger.renounceRole(USER_ROLE, user);
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, user)), 2, "renounced");

        // Per role and per account.
        vm.assertEq(uint256(ledger.roleEpoch(GATEWAY_ROLE, user)), 0, "other role");
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, gateway)), 0, "other account");
    }

    function test_roleEpoch_countsTheOldAdminsHandover() public {
        address successor = makeAddr("successor");
        vm.prank(admin);
        ledger.beginDefaultAdminTransfer(successor);
        vm.warp(_now() + ADMIN_DELAY + 1);
        vm.prank(successor);
        ledger.acceptDefaultAdminTransfer();
        vm.assertEq(uint256(ledger.roleEpoch(DEFAULT_ADMIN_ROLE, admin)), 1, "old admin");
        vm.assertEq(uint256(ledger.roleEpoch(DEFAULT_ADMIN_ROLE, successor)), 0, "new admin");
    }

    function test_roleEpoch_isZeroForTheDerivedSourceRole() public {
        vm.startPrank(operator);
        ledger.suspendSource(sourceId, 1);
        ledger.revokeSource(sourceId, 2);
        vm.stopPrank();
        vm.assertEq(uint256(ledger.roleEpoch(SOURCE_ROLE, sourceKey)), 0, "SOURCE_ROLE epoch");
    }

    // ---------------------------------------------------------------- default admin (two steps, delayed)

    function test_constructor_setsTheSingleDefaultAdminAndItsDelay() public view {
        vm.assertEq(ledger.defaultAdmin(), admin, "defaultAdmin");
        vm.assertEq(ledger.owner(), admin, "owner (ERC-5313)");
        vm.assertEq(uint256(ledger.defaultAdminDelay()), ADMIN_DELAY, "delay");
        (address pending, uint48 schedule) = ledger.pendingDefaultAdmin();
        vm.assertEq(pending, address(0), "no pending admin");
        vm.assertEq(uint256(schedule), 0, "no schedule");
    }

    function test_constructor_revertsForTheZeroAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector,
                address(0)
            )
        );
        new DataLedger(address(0), ADMIN_DELAY);
    }

    function test_grantRole_refusesAOneStepAdminGrant() public {
        address successor = makeAddr("successor");
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(admin);
        ledger.grantRole(DEFAULT_ADMIN_ROLE, successor);
        vm.assertFalse(ledger.hasRole(DEFAULT_ADMIN_ROLE, successor), "successor became admin in one step");
        vm.assertEq(ledger.defaultAdmin(), admin, "admin changed");
    }

    function test_revokeRole_refusesToRevokeTheAdmin() public {
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(admin);
        ledger.revokeRole(DEFAULT_ADMIN_ROLE, admin);
        vm.assertTrue(ledger.hasRole(DEFAULT_ADMIN_ROLE, admin), "admin revoked");
    }

    function test_beginDefaultAdminTransfer_revertsForNonAdmin() public {
        address[3] memory others = [operator, supervisor, stranger];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    others[i],
                    DEFAULT_ADMIN_ROLE
                )
            );
            vm.prank(others[i]);
            ledger.beginDefaultAdminTransfer(others[i]);
        }
    }

    function test_defaultAdminTransfer_completesAfterTheDelayByTheNewAdminOnly() public {
        address successor = makeAddr("successor");
        uint48 schedule = _now() + ADMIN_DELAY;
        vm.expectEmit(address(ledger));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferScheduled(successor, schedule);
        vm.prank(admin);
        ledger.beginDefaultAdminTransfer(successor);
        (address pending, uint48 pendingSchedule) = ledger.pendingDefaultAdmin();
        vm.assertEq(pending, successor, "pending admin");
        vm.assertEq(uint256(pendingSchedule), schedule, "schedule");

        // Not before the schedule has passed: the schedule's own second is still too early.
        vm.warp(schedule);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector,
                schedule
            )
        );
        vm.prank(successor);
        ledger.acceptDefaultAdminTransfer();

        // Nobody but the scheduled account may accept, the old admin included.
        vm.warp(schedule + 1);
        address[2] memory others = [admin, stranger];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector,
                    others[i]
                )
            );
            vm.prank(others[i]);
            ledger.acceptDefaultAdminTransfer();
        }

        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleRevoked(DEFAULT_ADMIN_ROLE, admin, successor);
        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleGranted(DEFAULT_ADMIN_ROLE, successor, successor);
        vm.prank(successor);
        ledger.acceptDefaultAdminTransfer();

        vm.assertEq(ledger.defaultAdmin(), successor, "defaultAdmin");
        vm.assertFalse(ledger.hasRole(DEFAULT_ADMIN_ROLE, admin), "old admin kept the role");
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, DEFAULT_ADMIN_ROLE)
        );
        vm.prank(admin);
        ledger.grantRole(OPERATOR_ROLE, stranger);
        vm.prank(successor);
        ledger.grantRole(OPERATOR_ROLE, stranger);
        vm.assertTrue(ledger.hasRole(OPERATOR_ROLE, stranger), "new admin appoints operators");
    }

    function test_cancelDefaultAdminTransfer_leavesNothingToAccept() public {
        address successor = makeAddr("successor");
        vm.prank(admin);
        ledger.beginDefaultAdminTransfer(successor);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                successor,
                DEFAULT_ADMIN_ROLE
            )
        );
        vm.prank(successor);
        ledger.cancelDefaultAdminTransfer();

        vm.expectEmit(address(ledger));
        emit IAccessControlDefaultAdminRules.DefaultAdminTransferCanceled();
        vm.prank(admin);
        ledger.cancelDefaultAdminTransfer();

        vm.warp(_now() + ADMIN_DELAY + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, successor)
        );
        vm.prank(successor);
        ledger.acceptDefaultAdminTransfer();
        vm.assertEq(ledger.defaultAdmin(), admin, "admin changed");
    }

    function test_renounceRole_adminNeedsTheScheduledTwoStepFlow() public {
        // Straight away: no renouncement was scheduled.
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, 0)
        );
        vm.prank(admin);
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin);

        // A transfer to another account pending is not a renouncement either.
        address successor = makeAddr("successor");
        vm.prank(admin);
        ledger.beginDefaultAdminTransfer(successor);
        uint48 transferSchedule = _now() + ADMIN_DELAY;
        vm.warp(transferSchedule + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector,
                transferSchedule
            )
        );
        vm.prank(admin);
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin);

        // Scheduled to the zero address: refused until the delay has passed, then done.
        vm.prank(admin);
        ledger.beginDefaultAdminTransfer(address(0));
        uint48 schedule = _now() + ADMIN_DELAY;
        vm.warp(schedule);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector,
                schedule
            )
        );
        vm.prank(admin);
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin);

        vm.warp(schedule + 1);
        vm.prank(admin);
        ledger.renounceRole(DEFAULT_ADMIN_ROLE, admin);
        vm.assertEq(ledger.defaultAdmin(), address(0), "defaultAdmin");
        vm.assertFalse(ledger.hasRole(DEFAULT_ADMIN_ROLE, admin), "admin kept the role");
    }

    function test_changeDefaultAdminDelay_waitsBeforeTakingEffect() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                operator,
                DEFAULT_ADMIN_ROLE
            )
        );
        vm.prank(operator);
        ledger.changeDefaultAdminDelay(0);

        // Shortening waits out the difference, so a transfer begun now still waits the old delay.
        uint48 effect = _now() + ADMIN_DELAY;
        vm.expectEmit(address(ledger));
        emit IAccessControlDefaultAdminRules.DefaultAdminDelayChangeScheduled(0, effect);
        vm.prank(admin);
        ledger.changeDefaultAdminDelay(0);
        vm.assertEq(uint256(ledger.defaultAdminDelay()), ADMIN_DELAY, "delay changed at once");
        vm.warp(effect + 1);
        vm.assertEq(uint256(ledger.defaultAdminDelay()), 0, "delay after the wait");

        // Lengthening a zero delay to 2 days waits 2 days; a rollback keeps the current one.
        vm.prank(admin);
        ledger.changeDefaultAdminDelay(2 days);
        (uint48 pendingDelay, uint48 schedule) = ledger.pendingDefaultAdminDelay();
        vm.assertEq(uint256(pendingDelay), 2 days, "pending delay");
        vm.assertEq(uint256(schedule), _now() + 2 days, "pending delay schedule");
        vm.prank(admin);
        ledger.rollbackDefaultAdminDelay();
        vm.warp(_now() + 3 days);
        vm.assertEq(uint256(ledger.defaultAdminDelay()), 0, "rolled-back change took effect");
    }

    // ---------------------------------------------------------------- pause

    function test_pause_byOperator() public {
        vm.expectEmit(address(ledger));
        emit Pausable.Paused(operator);
        vm.prank(operator);
        ledger.pause();
        vm.assertTrue(ledger.paused(), "paused");
    }

    function test_pause_bySupervisor() public {
        vm.prank(supervisor);
        ledger.pause();
        vm.assertTrue(ledger.paused(), "paused");
    }

    function test_pause_revertsForOthers() public {
        address[3] memory others = [stranger, gateway, sourceKey];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    others[i],
                    OPERATOR_ROLE
                )
            );
            vm.prank(others[i]);
            ledger.pause();
        }
        // The admin administers operators but is not one.
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, OPERATOR_ROLE)
        );
        vm.prank(admin);
        ledger.pause();
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(operator);
        ledger.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(supervisor);
        ledger.pause();
    }

    function test_unpause_byOperator() public {
        vm.prank(supervisor);
        ledger.pause();
        vm.expectEmit(address(ledger));
        emit Pausable.Unpaused(operator);
        vm.prank(operator);
        ledger.unpause();
        vm.assertFalse(ledger.paused(), "still paused");
    }

    function test_unpause_revertsForSupervisor() public {
        vm.prank(supervisor);
        ledger.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, supervisor, OPERATOR_ROLE)
        );
        vm.prank(supervisor);
        ledger.unpause();
        vm.assertTrue(ledger.paused(), "supervisor resumed submissions");
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.expectRevert(Pausable.ExpectedPause.selector);
        vm.prank(operator);
        ledger.unpause();
    }

    function test_pause_stopsEverySubmissionPath() public {
        RecordInput memory first = _record(keccak256("first"));
        vm.prank(sourceKey);
        ledger.submitRecord(first);

        vm.prank(supervisor);
        ledger.pause();

        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("direct")));

        RecordInput memory relayed = _record(keccak256("relayed"));
        bytes memory signature = _sign(sourceKeyPk, relayed, START + 1 hours);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(stranger);
        ledger.submitRecordBySig(sourceKey, relayed, START + 1 hours, signature);

        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(sourceKey);
        ledger.updateRecord(_id(first.dataHash), _record(keccak256("update")));

        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(gateway);
        ledger.submitDataBlock(keccak256("root"), 1, START, START, "ipfs://block");

        // Unpausing restores them.
        vm.prank(operator);
        ledger.unpause();
        vm.prank(stranger);
        ledger.submitRecordBySig(sourceKey, relayed, START + 1 hours, signature);
        vm.assertEq(uint256(ledger.getRecord(_id(relayed.dataHash)).status), uint256(RecordStatus.Active), "relayed");
    }

    function test_pause_leavesRevocationAndChallengesOpen() public {
        RecordInput memory first = _record(keccak256("first"));
        vm.prank(sourceKey);
        ledger.submitRecord(first);

        (address rogue, uint256 roguePk) = makeAddrAndKey("rogue");
        SignedOperation memory bad = _operation(rogue, roguePk, keccak256("bad"), START + 1 hours);
        vm.prank(gateway);
        bytes32 id = ledger.submitDataBlock(_leaf(bad), 1, START, START, "ipfs://block");

        vm.prank(operator);
        ledger.pause();

        vm.prank(sourceKey);
        ledger.revokeRecord(_id(first.dataHash), 7);
        vm.assertEq(uint256(ledger.getRecord(_id(first.dataHash)).status), uint256(RecordStatus.Revoked), "revoked");

        vm.prank(stranger);
        judge.challenge(id, bad, 0, new bytes32[](0));
        vm.assertEq(uint256(ledger.getDataBlock(id).status), uint256(DataBlockStatus.Disputed), "disputed");
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_acceptDefaultAdminTransfer_onlyOnceTheDelayHasPassed(
        uint256 delaySeed,
        uint256 waitSeed,
        address successor
    ) public {
        vm.assume(successor != address(0) && successor != admin);
        uint48 delay = uint48(bound(delaySeed, 0, 30 days));
        uint48 wait = uint48(bound(waitSeed, 0, 60 days));
        DataLedger fresh = new DataLedger(admin, delay);
        uint48 begun = _now();
        vm.prank(admin);
        fresh.beginDefaultAdminTransfer(successor);

        vm.warp(begun + wait);
        if (wait <= delay) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector,
                    begun + delay
                )
            );
        }
        vm.prank(successor);
        fresh.acceptDefaultAdminTransfer();
        vm.assertEq(fresh.defaultAdmin(), wait > delay ? successor : admin, "defaultAdmin");
    }

    function testFuzz_grantRole_defaultAdminRoleRefusedForAnyCaller(address caller, address account) public {
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(caller);
        ledger.grantRole(DEFAULT_ADMIN_ROLE, account);
    }

    function testFuzz_grantRole_sourceRoleRejectedForAnyCaller(address caller, address account) public {
        vm.expectRevert(abi.encodeWithSelector(ILedgerRoles.LedgerRolesManagedBySourceRegistry.selector, SOURCE_ROLE));
        vm.prank(caller);
        ledger.grantRole(SOURCE_ROLE, account);
    }

    function testFuzz_grantRole_onlyDefaultAdminGrantsOperator(address caller, address account) public {
        vm.assume(caller != admin);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, DEFAULT_ADMIN_ROLE)
        );
        vm.prank(caller);
        ledger.grantRole(OPERATOR_ROLE, account);
    }

    function testFuzz_grantRole_onlyOperatorsGrantGateways(address caller, address account) public {
        vm.assume(caller != operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, OPERATOR_ROLE)
        );
        vm.prank(caller);
        ledger.grantRole(GATEWAY_ROLE, account);
        vm.assertEq(ledger.hasRole(GATEWAY_ROLE, account), account == gateway, "gateway role changed");
    }

    function testFuzz_pause_onlyOperatorsAndSupervisors(address caller) public {
        vm.assume(caller != operator && caller != supervisor);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, OPERATOR_ROLE)
        );
        vm.prank(caller);
        ledger.pause();
    }

    function testFuzz_hasRole_sourceRoleOnlyForTheSourceKey(address account) public view {
        vm.assertEq(ledger.hasRole(SOURCE_ROLE, account), account == sourceKey, "SOURCE_ROLE holder");
    }
}
