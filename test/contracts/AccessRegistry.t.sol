// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessRegistry} from "../../contracts/AccessRegistry.sol";
import {IAccessRegistry} from "../../contracts/interfaces/IAccessRegistry.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";

contract AccessRegistryTest is LedgerFixture {
    AccessRegistry internal registry;
    address internal otherOperator;
    uint64 internal datasetId;
    uint64 internal secondSource;

    function setUp() public override {
        super.setUp();
        otherOperator = makeAddr("otherOperator");
        vm.prank(admin);
        ledger.grantRole(OPERATOR_ROLE, otherOperator);
        (secondSource, , ) = _registerSource("station-2", _one(FORMAT_NOISE));

        registry = new AccessRegistry(ledger);
        vm.prank(operator);
        datasetId = registry.createDataset("ipfs://city-air", _ids(sourceId), _one(FORMAT_AIR));
    }

    function _ids(uint64 id) internal pure returns (uint64[] memory ids) {
        ids = new uint64[](1);
        ids[0] = id;
    }

    function _grant(address account, uint48 expiresAt) internal {
        vm.prank(operator);
        registry.grantAccess(datasetId, account, expiresAt);
    }

    // ---------------------------------------------------------------- datasets

    function test_ledger_isTheConstructorArgument() public view {
        vm.assertEq(registry.ledger(), address(ledger), "ledger");
    }

    function test_createDataset_storesTheDataset() public {
        uint64[] memory sources = new uint64[](2);
        sources[0] = sourceId;
        sources[1] = secondSource;

        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetCreated(2, otherOperator, "ipfs://all");
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetSourceSet(2, sourceId, true);
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetSourceSet(2, secondSource, true);
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetFormatSet(2, FORMAT_AIR, true);
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetFormatSet(2, FORMAT_NOISE, true);
        vm.prank(otherOperator);
        uint64 id = registry.createDataset("ipfs://all", sources, _two(FORMAT_AIR, FORMAT_NOISE));

        vm.assertEq(uint256(id), 2, "sequential id");
        vm.assertEq(uint256(registry.datasetCount()), 2, "datasetCount");
        (address owner, string memory uri) = registry.getDataset(id);
        vm.assertEq(owner, otherOperator, "owner");
        vm.assertEq(uri, "ipfs://all", "uri");
        vm.assertTrue(registry.datasetIncludesSource(id, secondSource), "source");
        vm.assertTrue(registry.datasetIncludesFormat(id, FORMAT_NOISE), "format");
        vm.assertFalse(registry.datasetIncludesSource(datasetId, secondSource), "other dataset changed");
    }

    function test_createDataset_revertsForNonOperator() public {
        address[3] memory others = [admin, user, sourceKey];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnauthorized.selector, others[i], OPERATOR_ROLE)
            );
            vm.prank(others[i]);
            registry.createDataset("", new uint64[](0), _none());
        }
    }

    function test_createDataset_revertsForUnknownSource() public {
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownSource.selector, uint64(0)));
        registry.createDataset("", _ids(0), _none());
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownSource.selector, uint64(3)));
        registry.createDataset("", _ids(3), _none());
        vm.stopPrank();
    }

    function test_createDataset_revertsForUnknownFormat() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownFormat.selector, unknown));
        vm.prank(operator);
        registry.createDataset("", new uint64[](0), _one(unknown));
    }

    function test_createDataset_acceptsDeprecatedFormatsAndRevokedSources() public {
        // Old data stays readable: a dataset may cover formats and sources no longer in use.
        vm.startPrank(operator);
        ledger.deprecateFormat(FORMAT_NOISE);
        ledger.revokeSource(secondSource, 0);
        uint64 id = registry.createDataset("", _ids(secondSource), _one(FORMAT_NOISE));
        vm.stopPrank();
        vm.assertTrue(registry.datasetIncludesFormat(id, FORMAT_NOISE), "format");
        vm.assertTrue(registry.datasetIncludesSource(id, secondSource), "source");
    }

    function test_setDatasetSourcesAndFormats_byOwner() public {
        vm.startPrank(operator);
        registry.setDatasetSources(datasetId, _ids(secondSource), true);
        registry.setDatasetFormats(datasetId, _one(FORMAT_NOISE), true);
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetSourceSet(datasetId, sourceId, false);
        registry.setDatasetSources(datasetId, _ids(sourceId), false);
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetFormatSet(datasetId, FORMAT_AIR, false);
        registry.setDatasetFormats(datasetId, _one(FORMAT_AIR), false);
        vm.stopPrank();

        vm.assertTrue(registry.datasetIncludesSource(datasetId, secondSource), "added source");
        vm.assertTrue(registry.datasetIncludesFormat(datasetId, FORMAT_NOISE), "added format");
        vm.assertFalse(registry.datasetIncludesSource(datasetId, sourceId), "removed source");
        vm.assertFalse(registry.datasetIncludesFormat(datasetId, FORMAT_AIR), "removed format");
    }

    function test_setDatasetSources_revertsForAnotherOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, otherOperator, datasetId)
        );
        vm.prank(otherOperator);
        registry.setDatasetSources(datasetId, _ids(secondSource), true);

        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, otherOperator, datasetId)
        );
        vm.prank(otherOperator);
        registry.setDatasetFormats(datasetId, _one(FORMAT_NOISE), true);
    }

    function test_setDatasetSources_revertsForUnknownDataset() public {
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownDataset.selector, uint64(7)));
        registry.setDatasetSources(7, _ids(sourceId), true);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownDataset.selector, uint64(7)));
        registry.setDatasetFormats(7, _one(FORMAT_AIR), true);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownDataset.selector, uint64(0)));
        registry.grantAccess(0, user, START + 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownDataset.selector, uint64(7)));
        registry.revokeAccess(7, user);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownDataset.selector, uint64(7)));
        registry.transferDataset(7, otherOperator);
        vm.stopPrank();
    }

    function test_setDatasetSources_revertsForUnknownIds() public {
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownSource.selector, uint64(9)));
        registry.setDatasetSources(datasetId, _ids(9), false);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnknownFormat.selector, bytes32(0)));
        registry.setDatasetFormats(datasetId, _one(bytes32(0)), true);
        vm.stopPrank();
    }

    function test_ownerWhoLostOperatorRoleCannotManageAsOwner() public {
        vm.prank(admin);
        ledger.revokeRole(OPERATOR_ROLE, operator);

        vm.startPrank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnauthorized.selector, operator, OPERATOR_ROLE)
        );
        registry.setDatasetSources(datasetId, _ids(secondSource), true);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnauthorized.selector, operator, OPERATOR_ROLE)
        );
        registry.grantAccess(datasetId, user, START + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnauthorized.selector, operator, OPERATOR_ROLE)
        );
        registry.transferDataset(datasetId, otherOperator);
        vm.stopPrank();
    }

    function test_transferDataset_movesOwnership() public {
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetOwnerChanged(datasetId, operator, otherOperator, operator);
        vm.prank(operator);
        registry.transferDataset(datasetId, otherOperator);

        (address owner, ) = registry.getDataset(datasetId);
        vm.assertEq(owner, otherOperator, "owner");

        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, operator, datasetId)
        );
        vm.prank(operator);
        registry.grantAccess(datasetId, user, START + 1 days);

        vm.prank(otherOperator);
        registry.grantAccess(datasetId, user, START + 1 days);
        vm.assertTrue(registry.hasAccess(datasetId, user), "new owner grants");
    }

    function test_transferDataset_revertsForNonOperatorRecipient() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnauthorized.selector, user, OPERATOR_ROLE)
        );
        vm.prank(operator);
        registry.transferDataset(datasetId, user);
    }

    function test_transferDataset_revertsForNonOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, otherOperator, datasetId)
        );
        vm.prank(otherOperator);
        registry.transferDataset(datasetId, otherOperator);
    }

    // ---------------------------------------------------------------- grants

    function test_grantAccess_givesTimeBoundedAccess() public {
        vm.expectEmit(address(registry));
        emit IAccessRegistry.AccessGranted(datasetId, user, START + 1 days, operator);
        _grant(user, START + 1 days);

        vm.assertEq(uint256(registry.grantExpiry(datasetId, user)), START + 1 days, "expiry");
        vm.assertTrue(registry.hasAccess(datasetId, user), "access");
        vm.assertTrue(registry.canRead(datasetId, user, sourceId, FORMAT_AIR), "canRead");

        // Inclusive, like a signature's deadline: the expiry second is the grant's last.
        vm.warp(START + 1 days);
        vm.assertTrue(registry.hasAccess(datasetId, user), "at expiry, its last second");
        vm.assertTrue(registry.canRead(datasetId, user, sourceId, FORMAT_AIR), "canRead at expiry");
        vm.warp(START + 1 days + 1);
        vm.assertFalse(registry.hasAccess(datasetId, user), "the second after expiry");
        vm.assertFalse(registry.canRead(datasetId, user, sourceId, FORMAT_AIR), "canRead after expiry");
    }

    function test_grantAccess_replacesAnEarlierGrant() public {
        _grant(user, START + 10 days);
        _grant(user, START + 1 hours);
        vm.assertEq(uint256(registry.grantExpiry(datasetId, user)), START + 1 hours, "shortened");
        vm.warp(START + 2 hours);
        vm.assertFalse(registry.hasAccess(datasetId, user), "longer grant survived");
    }

    function test_grantAccess_revertsForNonUser() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotAUser.selector, stranger));
        _grant(stranger, START + 1 days);
    }

    function test_grantAccess_revertsForAnExpiryAlreadyPassed() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryInvalidExpiry.selector, START - 1));
        _grant(user, START - 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryInvalidExpiry.selector, uint48(0)));
        _grant(user, 0);
    }

    function test_grantAccess_expiringThisSecondGivesThisSecond() public {
        _grant(user, START);
        vm.assertTrue(registry.hasAccess(datasetId, user), "this second");
        vm.warp(START + 1);
        vm.assertFalse(registry.hasAccess(datasetId, user), "next second");
    }

    function test_grantAccess_revertsForNonOwner() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, user, datasetId)
        );
        vm.prank(user);
        registry.grantAccess(datasetId, user, START + 1 days);
    }

    function test_hasAccess_endsForGoodWhenTheUserRoleIsRevoked() public {
        _grant(user, START + 1 days);
        vm.prank(operator);
        ledger.revokeRole(USER_ROLE, user);
        vm.assertFalse(registry.hasAccess(datasetId, user), "access without USER_ROLE");
        vm.assertEq(uint256(registry.grantExpiry(datasetId, user)), 0, "grant outlived the role");

        // Attack: re-granting the role must not revive the old grant.
        vm.prank(operator);
        ledger.grantRole(USER_ROLE, user);
        vm.assertFalse(registry.hasAccess(datasetId, user), "old grant revived by the re-granted role");
        vm.assertFalse(registry.canRead(datasetId, user, sourceId, FORMAT_AIR), "canRead through the old grant");
        vm.assertEq(uint256(registry.grantExpiry(datasetId, user)), 0, "old expiry revived");
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryNoGrant.selector, datasetId, user));
        vm.prank(operator);
        registry.revokeAccess(datasetId, user);

        // A new grant, made under the new tenure, works.
        _grant(user, START + 2 days);
        vm.assertTrue(registry.hasAccess(datasetId, user), "new grant");
        vm.assertEq(uint256(registry.grantExpiry(datasetId, user)), START + 2 days, "new expiry");
    }

    function test_hasAccess_endsForGoodWhenTheUserRenounces() public {
        _grant(user, START + 1 days);
        vm.prank(user);
        ledger.renounceRole(USER_ROLE, user);
        vm.prank(operator);
        ledger.grantRole(USER_ROLE, user);
        vm.assertFalse(registry.hasAccess(datasetId, user), "grant survived a renouncement");
    }

    function test_hasAccess_revocationEndsTheUsersGrantsOnEveryDataset() public {
        vm.prank(otherOperator);
        uint64 other = registry.createDataset("ipfs://other", _ids(sourceId), _one(FORMAT_AIR));
        _grant(user, START + 1 days);
        vm.prank(otherOperator);
        registry.grantAccess(other, user, START + 1 days);

        vm.startPrank(operator);
        ledger.revokeRole(USER_ROLE, user);
        ledger.grantRole(USER_ROLE, user);
        vm.stopPrank();
        vm.assertFalse(registry.hasAccess(datasetId, user), "first dataset");
        vm.assertFalse(registry.hasAccess(other, user), "second dataset");
    }

    function test_hasAccess_aRevocationOfAnotherUserLeavesGrantsAlone() public {
        address second = makeAddr("secondUser");
        vm.prank(operator);
        ledger.grantRole(USER_ROLE, second);
        _grant(user, START + 1 days);
        _grant(second, START + 1 days);
        vm.prank(operator);
        ledger.revokeRole(USER_ROLE, second);
        vm.assertTrue(registry.hasAccess(datasetId, user), "unrelated grant ended");
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, user)), 0, "unrelated epoch moved");
        vm.assertEq(uint256(ledger.roleEpoch(USER_ROLE, second)), 1, "epoch");
    }

    // ---------------------------------------------------------------- orphaned datasets

    /// @dev The dataset's owner (`operator`) leaves the operators.
    function _ownerLeaves() internal {
        vm.prank(admin);
        ledger.revokeRole(OPERATOR_ROLE, operator);
    }

    function test_orphanedDataset_theDepartedOwnerCanNoLongerAct() public {
        _grant(user, START + 1 days);
        _ownerLeaves();

        vm.startPrank(operator);
        bytes memory unauthorised = abi.encodeWithSelector(
            IAccessRegistry.AccessRegistryUnauthorized.selector,
            operator,
            OPERATOR_ROLE
        );
        vm.expectRevert(unauthorised);
        registry.revokeAccess(datasetId, user);
        vm.expectRevert(unauthorised);
        registry.transferDataset(datasetId, otherOperator);
        vm.expectRevert(unauthorised);
        registry.setDatasetFormats(datasetId, _one(FORMAT_NOISE), true);
        vm.stopPrank();
        // Grants already given stand: they depend on the user's role, not the owner's.
        vm.assertTrue(registry.hasAccess(datasetId, user), "grant ended with its owner");
    }

    function test_orphanedDataset_anyOperatorRevokesItsGrants() public {
        _grant(user, START + 1 days);
        _ownerLeaves();

        vm.expectEmit(address(registry));
        emit IAccessRegistry.AccessRevoked(datasetId, user, otherOperator);
        vm.prank(otherOperator);
        registry.revokeAccess(datasetId, user);
        vm.assertFalse(registry.hasAccess(datasetId, user), "access after revocation");
    }

    function test_orphanedDataset_anyOperatorTakesItOver() public {
        _ownerLeaves();
        address third = makeAddr("thirdOperator");
        vm.prank(admin);
        ledger.grantRole(OPERATOR_ROLE, third);

        // Other operators may neither grant nor reconfigure it before taking it over.
        vm.startPrank(otherOperator);
        bytes memory notOwner = abi.encodeWithSelector(
            IAccessRegistry.AccessRegistryNotDatasetOwner.selector,
            otherOperator,
            datasetId
        );
        vm.expectRevert(notOwner);
        registry.grantAccess(datasetId, user, START + 1 days);
        vm.expectRevert(notOwner);
        registry.setDatasetSources(datasetId, _ids(secondSource), true);

        // Handing it to a third operator is also a takeover.
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetOwnerChanged(datasetId, operator, third, otherOperator);
        registry.transferDataset(datasetId, third);
        vm.stopPrank();

        (address owner, ) = registry.getDataset(datasetId);
        vm.assertEq(owner, third, "owner");
        vm.prank(third);
        registry.grantAccess(datasetId, user, START + 1 days);
        vm.assertTrue(registry.hasAccess(datasetId, user), "new owner grants");

        // No longer orphaned: the other operator is back to being a non-owner.
        vm.expectRevert(notOwner);
        vm.prank(otherOperator);
        registry.revokeAccess(datasetId, user);
    }

    function test_orphanedDataset_nonOperatorsCannotTakeItOver() public {
        _grant(user, START + 1 days);
        _ownerLeaves();
        address[3] memory others = [admin, user, supervisor];
        for (uint256 i = 0; i < others.length; ++i) {
            bytes memory unauthorised = abi.encodeWithSelector(
                IAccessRegistry.AccessRegistryUnauthorized.selector,
                others[i],
                OPERATOR_ROLE
            );
            vm.expectRevert(unauthorised);
            vm.prank(others[i]);
            registry.transferDataset(datasetId, otherOperator);
            vm.expectRevert(unauthorised);
            vm.prank(others[i]);
            registry.revokeAccess(datasetId, user);
        }
    }

    function test_orphanedDataset_reGrantingTheOperatorRoleDoesNotReviveOwnership() public {
        _ownerLeaves();
        vm.prank(admin);
        ledger.grantRole(OPERATOR_ROLE, operator);

        vm.startPrank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryDatasetOrphaned.selector, datasetId, operator)
        );
        registry.grantAccess(datasetId, user, START + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryDatasetOrphaned.selector, datasetId, operator)
        );
        registry.setDatasetSources(datasetId, _ids(secondSource), true);

        // As an operator again it may take the dataset back, openly, like any other operator.
        vm.expectEmit(address(registry));
        emit IAccessRegistry.DatasetOwnerChanged(datasetId, operator, operator, operator);
        registry.transferDataset(datasetId, operator);
        registry.grantAccess(datasetId, user, START + 1 days);
        vm.stopPrank();
        vm.assertTrue(registry.hasAccess(datasetId, user), "grant after the takeover");
    }

    function test_orphanedDataset_anOwnerWhoStaysIsNotAffectedByOthersLeaving() public {
        vm.prank(admin);
        ledger.revokeRole(OPERATOR_ROLE, otherOperator);
        _grant(user, START + 1 days);
        vm.assertTrue(registry.hasAccess(datasetId, user), "grant");
    }

    function test_canRead_needsSourceFormatAndGrant() public {
        _grant(user, START + 1 days);
        vm.assertTrue(registry.canRead(datasetId, user, sourceId, FORMAT_AIR), "covered");
        vm.assertFalse(registry.canRead(datasetId, user, secondSource, FORMAT_AIR), "source outside dataset");
        vm.assertFalse(registry.canRead(datasetId, user, sourceId, FORMAT_NOISE), "format outside dataset");
        vm.assertFalse(registry.canRead(datasetId, stranger, sourceId, FORMAT_AIR), "no grant");
        vm.assertFalse(registry.canRead(datasetId + 1, user, sourceId, FORMAT_AIR), "other dataset");
    }

    function test_revokeAccess_endsTheGrant() public {
        _grant(user, START + 1 days);
        vm.expectEmit(address(registry));
        emit IAccessRegistry.AccessRevoked(datasetId, user, operator);
        vm.prank(operator);
        registry.revokeAccess(datasetId, user);
        vm.assertFalse(registry.hasAccess(datasetId, user), "access");
        vm.assertEq(uint256(registry.grantExpiry(datasetId, user)), 0, "expiry");
    }

    function test_revokeAccess_revertsWithoutLiveGrant() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryNoGrant.selector, datasetId, user));
        vm.prank(operator);
        registry.revokeAccess(datasetId, user);

        _grant(user, START + 1 days);
        vm.warp(START + 1 days + 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryNoGrant.selector, datasetId, user));
        vm.prank(operator);
        registry.revokeAccess(datasetId, user);
    }

    function test_revokeAccess_worksInTheExpirySecond() public {
        _grant(user, START + 1 days);
        vm.warp(START + 1 days);
        vm.prank(operator);
        registry.revokeAccess(datasetId, user);
        vm.assertFalse(registry.hasAccess(datasetId, user), "access after revocation");
    }

    function test_revokeAccess_revertsForNonOwner() public {
        _grant(user, START + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, otherOperator, datasetId)
        );
        vm.prank(otherOperator);
        registry.revokeAccess(datasetId, user);
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_createDataset_onlyOperators(address caller) public {
        vm.assume(caller != operator && caller != otherOperator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryUnauthorized.selector, caller, OPERATOR_ROLE)
        );
        vm.prank(caller);
        registry.createDataset("", new uint64[](0), _none());
    }

    function testFuzz_grantAccess_onlyTheOwner(address caller) public {
        vm.assume(caller != operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessRegistry.AccessRegistryNotDatasetOwner.selector, caller, datasetId)
        );
        vm.prank(caller);
        registry.grantAccess(datasetId, user, START + 1 days);
    }

    /// @dev Random sequences of grants, USER_ROLE revocations/renouncements and re-grants: access
    /// holds exactly when the user holds the role and was granted access since it last gained it.
    function testFuzz_hasAccess_onlyThroughAGrantOfTheCurrentTenure(uint8[24] calldata ops) public {
        bool holdsRole = true;
        bool grantedThisTenure = false;
        for (uint256 i = 0; i < ops.length; ++i) {
            uint8 op = ops[i] % 4;
            if (op == 0 && holdsRole) {
                _grant(user, START + 1 days);
                grantedThisTenure = true;
            } else if (op == 1 && holdsRole) {
                vm.prank(operator);
                ledger.revokeRole(USER_ROLE, user);
                holdsRole = false;
                grantedThisTenure = false;
            } else if (op == 2 && holdsRole) {
                vm.prank(user);
                ledger.renounceRole(USER_ROLE, user);
                holdsRole = false;
                grantedThisTenure = false;
            } else if (op == 3 && !holdsRole) {
                vm.prank(operator);
                ledger.grantRole(USER_ROLE, user);
                holdsRole = true;
            }
            vm.assertEq(registry.hasAccess(datasetId, user), holdsRole && grantedThisTenure, "hasAccess");
            vm.assertEq(registry.grantExpiry(datasetId, user), grantedThisTenure ? START + 1 days : 0, "grantExpiry");
        }
    }

    /// @dev Access holds exactly while now <= expiresAt; an expiry before the grant instant is refused.
    function testFuzz_grantAccess_expiryBoundary(uint48 expiresAt, uint48 checkedAt) public {
        if (expiresAt < START) {
            vm.expectRevert(abi.encodeWithSelector(IAccessRegistry.AccessRegistryInvalidExpiry.selector, expiresAt));
            _grant(user, expiresAt);
            return;
        }
        _grant(user, expiresAt);
        checkedAt = uint48(bound(checkedAt, START, type(uint48).max));
        vm.warp(checkedAt);
        vm.assertEq(registry.hasAccess(datasetId, user), checkedAt <= expiresAt, "hasAccess");
        vm.assertEq(registry.canRead(datasetId, user, sourceId, FORMAT_AIR), checkedAt <= expiresAt, "canRead");
    }

    function testFuzz_grantAccess_expiryBoundaryAroundNow(uint48 offset, bool after_) public {
        // Probe both sides of the expiry closely: expiresAt - 1, expiresAt, expiresAt + 1.
        uint48 expiresAt = START + uint48(bound(offset, 1, 365 days));
        _grant(user, expiresAt);
        vm.warp(after_ ? expiresAt + 1 : expiresAt);
        vm.assertEq(registry.hasAccess(datasetId, user), !after_, "boundary");
        vm.warp(expiresAt - 1);
        vm.assertTrue(registry.hasAccess(datasetId, user), "before expiry");
    }
}
