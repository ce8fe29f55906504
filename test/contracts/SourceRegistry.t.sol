// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IFormatRegistry} from "../../contracts/interfaces/IFormatRegistry.sol";
import {ISourceRegistry} from "../../contracts/interfaces/ISourceRegistry.sol";
import {Source, SourceStatus, RecordInput} from "../../contracts/types/DataLedgerTypes.sol";

import {LedgerFixture} from "./utils/LedgerFixture.sol";
import {Vm} from "./utils/Test.sol";

contract SourceRegistryTest is LedgerFixture {
    // ---------------------------------------------------------------- registration

    function test_registerSource_storesSourceAndBindsKey() public {
        address key = makeAddr("station-2");
        address owner = makeAddr("owner-2");
        vm.warp(START + 10);

        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceRegistered(2, key, owner, keccak256("meta"), "ipfs://meta");
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceFormatSet(2, FORMAT_AIR, true);
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceFormatSet(2, FORMAT_NOISE, true);
        vm.prank(operator);
        uint64 id = ledger.registerSource(
            key,
            owner,
            keccak256("meta"),
            "ipfs://meta",
            _two(FORMAT_AIR, FORMAT_NOISE),
            _keyProof("station-2", owner)
        );

        vm.assertEq(uint256(id), 2, "sequential id");
        vm.assertEq(uint256(ledger.sourceCount()), 2, "sourceCount");
        Source memory source = ledger.getSource(id);
        vm.assertEq(source.signer, key, "signer");
        vm.assertEq(source.owner, owner, "owner");
        vm.assertEq(uint256(source.status), uint256(SourceStatus.Active), "status");
        vm.assertEq(uint256(source.registeredAt), START + 10, "registeredAt");
        vm.assertEq(source.metadataHash, keccak256("meta"), "metadataHash");
        vm.assertEq(source.metadataURI, "ipfs://meta", "metadataURI");
        vm.assertEq(uint256(ledger.sourceIdOf(key)), 2, "sourceIdOf");
        vm.assertTrue(ledger.isActiveSource(key), "isActiveSource");
        vm.assertTrue(ledger.isFormatAllowed(id, FORMAT_AIR), "air allowed");
        vm.assertTrue(ledger.isFormatAllowed(id, FORMAT_NOISE), "noise allowed");
        vm.assertFalse(ledger.isFormatAllowed(sourceId, FORMAT_NOISE), "other source unaffected");
    }

    function test_registerSource_withoutFormatsCannotSubmit() public {
        (uint64 id, address key, ) = _registerSource("bare", _none());
        vm.assertTrue(ledger.isActiveSource(key), "active");
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryFormatNotAllowed.selector, id, FORMAT_AIR)
        );
        vm.prank(key);
        ledger.submitRecord(_record(keccak256("x")));
    }

    function test_registerSource_revertsForNonOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, sourceOwner, OPERATOR_ROLE)
        );
        vm.prank(sourceOwner);
        ledger.registerSource(stranger, sourceOwner, 0, "", _none(), _keyProof("stranger", sourceOwner));
    }

    function test_registerSource_revertsForZeroOwner() public {
        vm.expectRevert(ISourceRegistry.SourceRegistryZeroAddress.selector);
        vm.prank(operator);
        ledger.registerSource(stranger, address(0), 0, "", _none(), _keyProof("stranger", address(0)));
    }

    function test_registerSource_revertsForZeroSigner() public {
        vm.expectRevert(ISourceRegistry.SourceRegistryZeroAddress.selector);
        vm.prank(operator);
        ledger.registerSource(address(0), sourceOwner, 0, "", _none(), "");
    }

    function test_registerSource_revertsForBoundKey() public {
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryKeyAlreadyBound.selector, sourceKey, sourceId)
        );
        vm.prank(operator);
        ledger.registerSource(sourceKey, stranger, 0, "", _none(), _keyProof(sourceKeyPk, stranger));
    }

    function test_registerSource_revertsForKeyOfRevokedSource() public {
        vm.startPrank(operator);
        ledger.revokeSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryKeyAlreadyBound.selector, sourceKey, sourceId)
        );
        ledger.registerSource(sourceKey, stranger, 0, "", _none(), _keyProof(sourceKeyPk, stranger));
        vm.stopPrank();
    }

    function test_registerSource_revertsForUnknownFormat() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryUnknownFormat.selector, unknown));
        vm.prank(operator);
        ledger.registerSource(
            stranger,
            sourceOwner,
            0,
            "",
            _two(FORMAT_AIR, unknown),
            _keyProof("stranger", sourceOwner)
        );
        vm.assertEq(uint256(ledger.sourceIdOf(stranger)), 0, "key bound despite revert");
    }

    function test_registerSource_revertsForDeprecatedFormat() public {
        vm.startPrank(operator);
        ledger.deprecateFormat(FORMAT_NOISE);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryDeprecatedFormat.selector, FORMAT_NOISE));
        ledger.registerSource(stranger, sourceOwner, 0, "", _one(FORMAT_NOISE), _keyProof("stranger", sourceOwner));
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- key proof of possession

    /// @dev The review's finding: binding a key needs the key's own signature naming the owner.
    function _expectInvalidKeyProof(address key) internal {
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInvalidKeyProof.selector, key));
    }

    function _assertUnbound(address key) internal view {
        vm.assertEq(uint256(ledger.sourceIdOf(key)), 0, "key bound despite revert");
        vm.assertEq(uint256(ledger.sourceCount()), 1, "source count changed");
    }

    function test_hashKeyProof_isTheSpecifiedDigest() public {
        address key = makeAddr("device");
        vm.assertEq(
            ledger.hashKeyProof(key, sourceOwner),
            _keyDigest(key, sourceOwner, address(ledger), block.chainid),
            "SourceKey(address key,address owner) in the ledger's domain"
        );
    }

    function test_registerSource_revertsWithoutKeyProof() public {
        address key = makeAddr("device");
        bytes[3] memory proofs = [bytes(""), new bytes(65), bytes.concat(_keyProof("device", sourceOwner), hex"00")];
        for (uint256 i = 0; i < proofs.length; ++i) {
            _expectInvalidKeyProof(key);
            vm.prank(operator);
            ledger.registerSource(key, sourceOwner, 0, "", _none(), proofs[i]);
        }
        _assertUnbound(key);
    }

    /// @dev A front-runner who saw the device's proof for owner A cannot bind the key to owner B.
    function test_registerSource_revertsForAnotherOwnersProof() public {
        address key = makeAddr("device");
        bytes memory proofForOwner = _keyProof("device", sourceOwner);
        _expectInvalidKeyProof(key);
        vm.prank(operator);
        ledger.registerSource(key, stranger, 0, "", _none(), proofForOwner);
        _assertUnbound(key);

        vm.prank(operator);
        ledger.registerSource(key, sourceOwner, 0, "", _none(), proofForOwner);
        vm.assertEq(ledger.getSource(2).owner, sourceOwner, "the owner the key named");
    }

    function test_registerSource_revertsForAnotherKeysProof() public {
        address key = makeAddr("device");
        (address other, uint256 otherPk) = makeAddrAndKey("other device");
        // Another key's proof for itself, and another key signing for this one: neither is this key's.
        bytes[2] memory proofs = [
            _keyProof(otherPk, sourceOwner),
            _sign(otherPk, ledger.hashKeyProof(key, sourceOwner))
        ];
        for (uint256 i = 0; i < proofs.length; ++i) {
            _expectInvalidKeyProof(key);
            vm.prank(operator);
            ledger.registerSource(key, sourceOwner, 0, "", _none(), proofs[i]);
        }
        _assertUnbound(key);
        _assertUnbound(other);
    }

    function test_registerSource_revertsForAProofFromAnotherChainOrLedger() public {
        (address key, uint256 pk) = makeAddrAndKey("device");
        uint256 chainId = block.chainid;
        // Digests written out: the optimiser may treat block.chainid as fixed within one call.
        bytes memory otherChain = _sign(pk, _keyDigest(key, sourceOwner, address(ledger), chainId + 1));
        bytes memory otherLedger = _sign(pk, _keyDigest(key, sourceOwner, address(judge), chainId));
        bytes[2] memory proofs = [otherChain, otherLedger];
        for (uint256 i = 0; i < proofs.length; ++i) {
            _expectInvalidKeyProof(key);
            vm.prank(operator);
            ledger.registerSource(key, sourceOwner, 0, "", _none(), proofs[i]);
        }
        _assertUnbound(key);
    }

    /// @dev The chain id is read when verifying: a proof made for the chain the ledger now runs on
    /// works, one made before a fork (for the chain id then) does not.
    function test_keyProof_followsTheChainIdOfTheMoment() public {
        (address key, uint256 pk) = makeAddrAndKey("device");
        (address newKey, uint256 newPk) = makeAddrAndKey("newKey");
        bytes memory beforeFork = _keyProof(pk, sourceOwner);
        bytes memory newBeforeFork = _keyProof(newPk, sourceOwner);
        uint256 forked = block.chainid + 1;
        vm.chainId(forked);

        _expectInvalidKeyProof(key);
        vm.prank(operator);
        ledger.registerSource(key, sourceOwner, 0, "", _none(), beforeFork);
        _expectInvalidKeyProof(newKey);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, newBeforeFork);

        vm.prank(operator);
        ledger.registerSource(
            key,
            sourceOwner,
            0,
            "",
            _none(),
            _sign(pk, _keyDigest(key, sourceOwner, address(ledger), forked))
        );
        vm.assertEq(uint256(ledger.sourceIdOf(key)), 2, "bound with this chain's proof");
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(
            sourceId,
            newKey,
            _sign(newPk, _keyDigest(newKey, sourceOwner, address(ledger), forked))
        );
        vm.assertEq(ledger.getSource(sourceId).signer, newKey, "rotated with this chain's proof");
    }

    /// @dev Keys are never bound twice, so a used proof is spent: neither registration nor
    /// rotation takes it again.
    function test_keyProof_worksOnce() public {
        (address key, uint256 pk) = makeAddrAndKey("device");
        bytes memory proof = _keyProof(pk, sourceOwner);
        vm.startPrank(operator);
        uint64 id = ledger.registerSource(key, sourceOwner, 0, "", _none(), proof);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryKeyAlreadyBound.selector, key, id));
        ledger.registerSource(key, sourceOwner, 0, "", _none(), proof);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryKeyAlreadyBound.selector, key, id));
        ledger.rotateSourceKey(sourceId, key, proof);
        vm.stopPrank();
        vm.assertEq(ledger.getSource(sourceId).signer, sourceKey, "rotation happened");
    }

    function test_rotateSourceKey_revertsWithoutKeyProof() public {
        address newKey = makeAddr("newKey");
        bytes[2] memory proofs = [bytes(""), new bytes(65)];
        for (uint256 i = 0; i < proofs.length; ++i) {
            _expectInvalidKeyProof(newKey);
            vm.prank(sourceOwner);
            ledger.rotateSourceKey(sourceId, newKey, proofs[i]);
        }
        _assertNotRotated(newKey);
    }

    /// @dev The key names the source's owner, also when the operator rotates: a proof for another
    /// owner, or for the operator itself, binds nothing.
    function test_rotateSourceKey_revertsForAnotherOwnersProof() public {
        address newKey = makeAddr("newKey");
        address otherOwner = makeAddr("otherOwner");
        _expectInvalidKeyProof(newKey);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", otherOwner));
        _expectInvalidKeyProof(newKey);
        vm.prank(operator);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", operator));
        _assertNotRotated(newKey);
    }

    /// @dev Owner B replays, on B's own source, the proof a key gave owner A.
    function test_rotateSourceKey_revertsForAProofAnotherOwnerGot() public {
        // Source 2 belongs to stranger; the key consented to sourceOwner (source 1's owner) only.
        (address strangersKey, uint256 strangersPk) = makeAddrAndKey("stranger's station");
        vm.prank(operator);
        uint64 strangersSource = ledger.registerSource(
            strangersKey,
            stranger,
            0,
            "",
            _none(),
            _keyProof(strangersPk, stranger)
        );
        address newKey = makeAddr("newKey");
        bytes memory proofForSourceOwner = _keyProof("newKey", sourceOwner);
        _expectInvalidKeyProof(newKey);
        vm.prank(stranger);
        ledger.rotateSourceKey(strangersSource, newKey, proofForSourceOwner);
        vm.assertEq(ledger.getSource(strangersSource).signer, strangersKey, "stranger's source rotated");

        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, proofForSourceOwner);
        vm.assertEq(ledger.getSource(sourceId).signer, newKey, "the named owner rotates");
    }

    function test_rotateSourceKey_revertsForAnotherKeysProof() public {
        address newKey = makeAddr("newKey");
        (, uint256 otherPk) = makeAddrAndKey("other device");
        bytes[2] memory proofs = [
            _keyProof(otherPk, sourceOwner),
            _sign(otherPk, ledger.hashKeyProof(newKey, sourceOwner))
        ];
        for (uint256 i = 0; i < proofs.length; ++i) {
            _expectInvalidKeyProof(newKey);
            vm.prank(sourceOwner);
            ledger.rotateSourceKey(sourceId, newKey, proofs[i]);
        }
        _assertNotRotated(newKey);
    }

    function test_rotateSourceKey_revertsForAProofFromAnotherChainOrLedger() public {
        (address newKey, uint256 pk) = makeAddrAndKey("newKey");
        uint256 chainId = block.chainid;
        // Digests written out: the optimiser may treat block.chainid as fixed within one call.
        bytes memory otherChain = _sign(pk, _keyDigest(newKey, sourceOwner, address(ledger), chainId + 1));
        bytes memory otherLedger = _sign(pk, _keyDigest(newKey, sourceOwner, address(judge), chainId));
        bytes[2] memory proofs = [otherChain, otherLedger];
        for (uint256 i = 0; i < proofs.length; ++i) {
            _expectInvalidKeyProof(newKey);
            vm.prank(sourceOwner);
            ledger.rotateSourceKey(sourceId, newKey, proofs[i]);
        }
        _assertNotRotated(newKey);
    }

    function _assertNotRotated(address newKey) internal view {
        vm.assertEq(ledger.getSource(sourceId).signer, sourceKey, "signer changed");
        vm.assertEq(uint256(ledger.getSource(sourceId).epoch), 0, "epoch moved");
        vm.assertEq(uint256(ledger.sourceIdOf(newKey)), 0, "new key bound");
        vm.assertTrue(ledger.isActiveSource(sourceKey), "old key stopped");
    }

    // ---------------------------------------------------------------- formats

    function test_setSourceFormats_allowsAndDisallows() public {
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceFormatSet(sourceId, FORMAT_NOISE, true);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        vm.assertTrue(ledger.isFormatAllowed(sourceId, FORMAT_NOISE), "allowed");

        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("noise"), FORMAT_NOISE));

        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _two(FORMAT_AIR, FORMAT_NOISE), false);
        vm.assertFalse(ledger.isFormatAllowed(sourceId, FORMAT_AIR), "air still allowed");
        vm.assertFalse(ledger.isFormatAllowed(sourceId, FORMAT_NOISE), "noise still allowed");

        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryFormatNotAllowed.selector, sourceId, FORMAT_AIR)
        );
        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("air")));
    }

    function test_setSourceFormats_revertsForNonOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, sourceOwner, OPERATOR_ROLE)
        );
        vm.prank(sourceOwner);
        ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
    }

    function test_setSourceFormats_revertsForUnknownSource() public {
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnknownSource.selector, uint64(9)));
        vm.prank(operator);
        ledger.setSourceFormats(9, _one(FORMAT_NOISE), true);
    }

    function test_setSourceFormats_revertsForUnknownFormatEvenWhenDisallowing() public {
        bytes32 unknown = keccak256("unknown");
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryUnknownFormat.selector, unknown));
        ledger.setSourceFormats(sourceId, _one(unknown), true);
        vm.expectRevert(abi.encodeWithSelector(IFormatRegistry.FormatRegistryUnknownFormat.selector, unknown));
        ledger.setSourceFormats(sourceId, _one(unknown), false);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- status

    function test_suspendSource_stopsTheKey() public {
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceStatusChanged(sourceId, SourceStatus.Suspended, 42);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 42);

        vm.assertEq(uint256(ledger.getSource(sourceId).status), uint256(SourceStatus.Suspended), "status");
        vm.assertFalse(ledger.isActiveSource(sourceKey), "still active");
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, sourceKey));
        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("x")));
    }

    function test_suspendSource_revertsForNonOperator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, supervisor, OPERATOR_ROLE)
        );
        vm.prank(supervisor);
        ledger.suspendSource(sourceId, 0);
    }

    function test_suspendSource_revertsForUnknownSource() public {
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnknownSource.selector, uint64(0)));
        vm.prank(operator);
        ledger.suspendSource(0, 0);
    }

    function test_suspendSource_revertsUnlessActive() public {
        vm.startPrank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISourceRegistry.SourceRegistryInvalidStatus.selector,
                sourceId,
                SourceStatus.Suspended
            )
        );
        ledger.suspendSource(sourceId, 0);

        ledger.revokeSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryInvalidStatus.selector, sourceId, SourceStatus.Revoked)
        );
        ledger.suspendSource(sourceId, 0);
        vm.stopPrank();
    }

    function test_reactivateSource_restoresTheKey() public {
        vm.startPrank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceStatusChanged(sourceId, SourceStatus.Active, 0);
        ledger.reactivateSource(sourceId);
        vm.stopPrank();

        vm.assertTrue(ledger.isActiveSource(sourceKey), "inactive");
        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("x")));
    }

    function test_reactivateSource_revertsUnlessSuspended() public {
        vm.startPrank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryInvalidStatus.selector, sourceId, SourceStatus.Active)
        );
        ledger.reactivateSource(sourceId);

        ledger.revokeSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryInvalidStatus.selector, sourceId, SourceStatus.Revoked)
        );
        ledger.reactivateSource(sourceId);

        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnknownSource.selector, uint64(5)));
        ledger.reactivateSource(5);
        vm.stopPrank();
    }

    function test_reactivateSource_revertsForNonOperator() public {
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, sourceOwner, OPERATOR_ROLE)
        );
        vm.prank(sourceOwner);
        ledger.reactivateSource(sourceId);
    }

    function test_revokeSource_fromActiveAndSuspended() public {
        (uint64 other, address otherKey, ) = _registerSource("other", _one(FORMAT_AIR));
        vm.startPrank(operator);
        ledger.suspendSource(other, 0);
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceStatusChanged(sourceId, SourceStatus.Revoked, 9);
        ledger.revokeSource(sourceId, 9);
        ledger.revokeSource(other, 9);
        vm.stopPrank();

        vm.assertEq(uint256(ledger.getSource(sourceId).status), uint256(SourceStatus.Revoked), "from active");
        vm.assertEq(uint256(ledger.getSource(other).status), uint256(SourceStatus.Revoked), "from suspended");
        vm.assertFalse(ledger.isActiveSource(sourceKey), "key active");
        vm.assertFalse(ledger.isActiveSource(otherKey), "other key active");
    }

    function test_revokeSource_isFinal() public {
        vm.startPrank(operator);
        ledger.revokeSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryInvalidStatus.selector, sourceId, SourceStatus.Revoked)
        );
        ledger.revokeSource(sourceId, 0);
        vm.stopPrank();
    }

    function test_revokeSource_revertsForNonOperatorAndUnknownSource() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, sourceOwner, OPERATOR_ROLE)
        );
        vm.prank(sourceOwner);
        ledger.revokeSource(sourceId, 0);

        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnknownSource.selector, uint64(2)));
        vm.prank(operator);
        ledger.revokeSource(2, 0);
    }

    // ---------------------------------------------------------------- key rotation

    function test_rotateSourceKey_byOwner() public {
        address newKey = makeAddr("newKey");
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceKeyRotated(sourceId, sourceKey, newKey);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));

        vm.assertEq(ledger.getSource(sourceId).signer, newKey, "signer");
        vm.assertEq(uint256(ledger.sourceIdOf(newKey)), sourceId, "new key bound");
        vm.assertEq(uint256(ledger.sourceIdOf(sourceKey)), sourceId, "old key stays attributable");
        vm.assertTrue(ledger.isActiveSource(newKey), "new key active");
        vm.assertFalse(ledger.isActiveSource(sourceKey), "old key active");

        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, sourceKey));
        vm.prank(sourceKey);
        ledger.submitRecord(_record(keccak256("old")));
        vm.prank(newKey);
        ledger.submitRecord(_record(keccak256("new")));
        vm.assertEq(
            uint256(ledger.getRecord(_idOf(newKey, keccak256("new"))).sourceId),
            sourceId,
            "attributed to source"
        );
    }

    function test_rotateSourceKey_byOperator() public {
        address newKey = makeAddr("newKey");
        vm.prank(operator);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        vm.assertEq(ledger.getSource(sourceId).signer, newKey, "signer");
    }

    function test_rotateSourceKey_revertsForOthers() public {
        address newKey = makeAddr("newKey");
        // The source key itself is not its owner.
        address[3] memory others = [sourceKey, stranger, supervisor];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnauthorized.selector, others[i], sourceId)
            );
            vm.prank(others[i]);
            ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        }
    }

    function test_rotateSourceKey_revertsForRevokedSource() public {
        vm.prank(operator);
        ledger.revokeSource(sourceId, 0);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryInvalidStatus.selector, sourceId, SourceStatus.Revoked)
        );
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, stranger, _keyProof("stranger", sourceOwner));
    }

    function test_rotateSourceKey_revertsForUnknownSource() public {
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnknownSource.selector, uint64(3)));
        vm.prank(operator);
        ledger.rotateSourceKey(3, stranger, _keyProof("stranger", sourceOwner));
    }

    function test_rotateSourceKey_revertsForZeroKey() public {
        vm.expectRevert(ISourceRegistry.SourceRegistryZeroAddress.selector);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, address(0), "");
    }

    function test_rotateSourceKey_neverReusesAKey() public {
        address newKey = makeAddr("newKey");
        (uint64 other, address otherKey, ) = _registerSource("other", _none());

        vm.startPrank(sourceOwner);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryKeyAlreadyBound.selector, otherKey, other)
        );
        ledger.rotateSourceKey(sourceId, otherKey, _keyProof("other", sourceOwner));

        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        // Rotating back to the retired key would make its old signatures valid again.
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryKeyAlreadyBound.selector, sourceKey, sourceId)
        );
        ledger.rotateSourceKey(sourceId, sourceKey, _keyProof(sourceKeyPk, sourceOwner));
        vm.stopPrank();
    }

    function test_rotateSourceKey_ofSuspendedSourceKeepsItSuspended() public {
        address newKey = makeAddr("newKey");
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        vm.assertFalse(ledger.isActiveSource(newKey), "new key of suspended source active");

        vm.prank(operator);
        ledger.reactivateSource(sourceId);
        vm.assertTrue(ledger.isActiveSource(newKey), "new key after reactivation");
        vm.assertFalse(ledger.isActiveSource(sourceKey), "retired key came back");
    }

    function test_revokeSource_afterRotationStopsTheNewKey() public {
        address newKey = makeAddr("newKey");
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        vm.prank(operator);
        ledger.revokeSource(sourceId, 0);
        vm.assertFalse(ledger.isActiveSource(newKey), "new key active");
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryInactiveSource.selector, newKey));
        vm.prank(newKey);
        ledger.submitRecord(_record(keccak256("x")));
    }

    // ---------------------------------------------------------------- SOURCE_ROLE events

    bytes32 internal constant ROLE_GRANTED = keccak256("RoleGranted(bytes32,address,address)");
    bytes32 internal constant ROLE_REVOKED = keccak256("RoleRevoked(bytes32,address,address)");

    /// @dev hasRole(SOURCE_ROLE, key) as rebuilt from the role events alone.
    mapping(address key => bool) internal _replayedSourceRole;

    /// @dev The SOURCE_ROLE events the ledger emitted since `vm.recordLogs()`, in order: whether
    /// each granted (else revoked), and to or from which key.
    function _sourceRoleEvents() internal returns (bool[] memory granted, address[] memory keys) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        granted = new bool[](logs.length);
        keys = new address[](logs.length);
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(ledger) || log.topics.length != 4 || log.topics[1] != SOURCE_ROLE) continue;
            if (log.topics[0] != ROLE_GRANTED && log.topics[0] != ROLE_REVOKED) continue;
            granted[n] = log.topics[0] == ROLE_GRANTED;
            keys[n] = address(uint160(uint256(log.topics[2])));
            ++n;
        }
        assembly ("memory-safe") {
            mstore(granted, n)
            mstore(keys, n)
        }
    }

    function _assertOneSourceRoleEvent(bool granted, address key, string memory what) internal {
        (bool[] memory kinds, address[] memory keys) = _sourceRoleEvents();
        vm.assertEq(kinds.length, 1, string.concat(what, ": number of SOURCE_ROLE events"));
        vm.assertEq(kinds[0], granted, string.concat(what, ": granted or revoked"));
        vm.assertEq(keys[0], key, string.concat(what, ": key"));
    }

    function _assertNoSourceRoleEvent(string memory what) internal {
        (bool[] memory kinds, ) = _sourceRoleEvents();
        vm.assertEq(kinds.length, 0, string.concat(what, ": unexpected SOURCE_ROLE event"));
    }

    function test_sourceRoleEvents_registerGrantsTheSigner() public {
        (address key, uint256 pk) = makeAddrAndKey("station-2");
        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleGranted(SOURCE_ROLE, key, operator);
        vm.recordLogs();
        vm.prank(operator);
        ledger.registerSource(key, sourceOwner, 0, "", _one(FORMAT_AIR), _keyProof(pk, sourceOwner));
        _assertOneSourceRoleEvent(true, key, "register");
    }

    function test_sourceRoleEvents_suspendRevokesAndReactivateGrants() public {
        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleRevoked(SOURCE_ROLE, sourceKey, operator);
        vm.recordLogs();
        vm.prank(operator);
        ledger.suspendSource(sourceId, 1);
        _assertOneSourceRoleEvent(false, sourceKey, "suspend");

        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleGranted(SOURCE_ROLE, sourceKey, operator);
        vm.recordLogs();
        vm.prank(operator);
        ledger.reactivateSource(sourceId);
        _assertOneSourceRoleEvent(true, sourceKey, "reactivate");
    }

    function test_sourceRoleEvents_revokeRevokesOnlyFromAnActiveSource() public {
        vm.recordLogs();
        vm.prank(operator);
        ledger.revokeSource(sourceId, 1);
        _assertOneSourceRoleEvent(false, sourceKey, "revoke active");

        (uint64 second, address secondKey, ) = _registerSource("station-2", _one(FORMAT_AIR));
        vm.prank(operator);
        ledger.suspendSource(second, 1);
        vm.recordLogs();
        vm.prank(operator);
        ledger.revokeSource(second, 1);
        _assertNoSourceRoleEvent("revoke suspended");
        vm.assertFalse(ledger.hasRole(SOURCE_ROLE, secondKey), "suspended-then-revoked key");
    }

    function test_sourceRoleEvents_rotationMovesTheRoleBetweenKeys() public {
        address newKey = makeAddr("newKey");
        vm.expectEmit(address(ledger));
        emit ISourceRegistry.SourceKeyRotated(sourceId, sourceKey, newKey);
        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleRevoked(SOURCE_ROLE, sourceKey, sourceOwner);
        vm.expectEmit(address(ledger));
        emit IAccessControl.RoleGranted(SOURCE_ROLE, newKey, sourceOwner);
        vm.recordLogs();
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        (bool[] memory kinds, address[] memory keys) = _sourceRoleEvents();
        vm.assertEq(kinds.length, 2, "two events");
        vm.assertTrue(!kinds[0] && keys[0] == sourceKey, "old key revoked first");
        vm.assertTrue(kinds[1] && keys[1] == newKey, "then new key granted");
    }

    function test_sourceRoleEvents_rotatingASuspendedSourceMovesNoRole() public {
        address newKey = makeAddr("newKey");
        vm.prank(operator);
        ledger.suspendSource(sourceId, 1);
        vm.recordLogs();
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));
        _assertNoSourceRoleEvent("rotate suspended");

        vm.recordLogs();
        vm.prank(operator);
        ledger.reactivateSource(sourceId);
        _assertOneSourceRoleEvent(true, newKey, "reactivate after rotation");
    }

    /// @dev An indexer that knows only the role events rebuilds hasRole(SOURCE_ROLE, key) for every
    /// key after every transaction of a random lifecycle: register, suspend, reactivate, rotate
    /// (by owner or operator), revoke, over three sources.
    function testFuzz_sourceRoleEvents_replayGivesHasRoleAfterEveryChange(uint8[32] calldata ops) public {
        address[] memory keys = new address[](3 + ops.length);
        uint256 keyCount;
        mapping(address => bool) storage replayed = _replayedSourceRole;
        keys[keyCount++] = sourceKey;
        replayed[sourceKey] = true;
        for (uint256 i = 0; i < ops.length; ++i) {
            uint8 op = ops[i];
            uint64 id = uint64(1 + ((op >> 3) % ledger.sourceCount()));
            vm.recordLogs();
            vm.startPrank(operator);
            if (op % 6 == 0 && ledger.sourceCount() < 3) {
                (address key, uint256 pk) = makeAddrAndKey(string.concat("registered-", vm.toString(i)));
                keys[keyCount++] = key;
                ledger.registerSource(key, sourceOwner, 0, "", _one(FORMAT_AIR), _keyProof(pk, sourceOwner));
            } else if (op % 6 == 1) {
                try ledger.suspendSource(id, 1) {} catch {}
            } else if (op % 6 == 2) {
                try ledger.reactivateSource(id) {} catch {}
            } else if (op % 6 == 3 || op % 6 == 4) {
                (address key, uint256 pk) = makeAddrAndKey(string.concat("rotated-", vm.toString(i)));
                keys[keyCount++] = key;
                vm.stopPrank();
                vm.startPrank(op % 6 == 3 ? sourceOwner : operator);
                try ledger.rotateSourceKey(id, key, _keyProof(pk, sourceOwner)) {} catch {}
            } else if (op % 6 == 5 && op % 4 == 1) {
                try ledger.revokeSource(id, 1) {} catch {}
            }
            vm.stopPrank();

            (bool[] memory kinds, address[] memory changed) = _sourceRoleEvents();
            for (uint256 e = 0; e < kinds.length; ++e) {
                vm.assertTrue(replayed[changed[e]] != kinds[e], "role event announced no change");
                replayed[changed[e]] = kinds[e];
            }
            for (uint256 k = 0; k < keyCount; ++k) {
                vm.assertEq(replayed[keys[k]], ledger.hasRole(SOURCE_ROLE, keys[k]), "replayed SOURCE_ROLE");
            }
        }
    }

    // ---------------------------------------------------------------- history

    function test_wasSourceActiveAt_followsTheTimeline() public {
        // Registered at START; suspended at START+100, reactivated at START+200, rotated at START+300.
        address newKey = makeAddr("newKey");
        vm.warp(START + 100);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.warp(START + 200);
        vm.prank(operator);
        ledger.reactivateSource(sourceId);
        vm.warp(START + 300);
        vm.prank(sourceOwner);
        ledger.rotateSourceKey(sourceId, newKey, _keyProof("newKey", sourceOwner));

        vm.assertFalse(ledger.wasSourceActiveAt(sourceKey, START - 1), "before registration");
        vm.assertTrue(ledger.wasSourceActiveAt(sourceKey, START), "at registration");
        vm.assertTrue(ledger.wasSourceActiveAt(sourceKey, START + 99), "before suspension");
        // A change's own second has no order against a block of that second: it counts as active.
        vm.assertTrue(ledger.wasSourceActiveAt(sourceKey, START + 100), "at suspension");
        vm.assertFalse(ledger.wasSourceActiveAt(sourceKey, START + 101), "after suspension");
        vm.assertFalse(ledger.wasSourceActiveAt(sourceKey, START + 199), "while suspended");
        vm.assertTrue(ledger.wasSourceActiveAt(sourceKey, START + 200), "at reactivation");
        vm.assertTrue(ledger.wasSourceActiveAt(sourceKey, START + 299), "before rotation");
        vm.assertTrue(ledger.wasSourceActiveAt(sourceKey, START + 300), "at rotation, old key");
        vm.assertFalse(ledger.wasSourceActiveAt(sourceKey, START + 301), "after rotation, old key");
        vm.assertFalse(ledger.wasSourceActiveAt(newKey, START + 299), "before binding, new key");
        vm.assertTrue(ledger.wasSourceActiveAt(newKey, START + 300), "at rotation, new key");
        vm.assertTrue(ledger.wasSourceActiveAt(newKey, type(uint48).max), "far future, new key");
        vm.assertFalse(ledger.wasSourceActiveAt(stranger, START + 300), "never bound");
    }

    function test_wasAllowedFormatAt_followsTheTimeline() public {
        // FORMAT_AIR allowed at registration (START); disallowed at START+100, allowed at START+200.
        vm.warp(START + 100);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_AIR), false);
        vm.warp(START + 200);
        vm.prank(operator);
        ledger.setSourceFormats(sourceId, _one(FORMAT_AIR), true);

        vm.assertFalse(ledger.wasAllowedFormatAt(sourceId, FORMAT_AIR, START - 1), "before registration");
        vm.assertTrue(ledger.wasAllowedFormatAt(sourceId, FORMAT_AIR, START), "at registration");
        vm.assertTrue(ledger.wasAllowedFormatAt(sourceId, FORMAT_AIR, START + 100), "in the second it was disallowed");
        vm.assertFalse(ledger.wasAllowedFormatAt(sourceId, FORMAT_AIR, START + 101), "after");
        vm.assertFalse(ledger.wasAllowedFormatAt(sourceId, FORMAT_AIR, START + 199), "while disallowed");
        vm.assertTrue(ledger.wasAllowedFormatAt(sourceId, FORMAT_AIR, START + 200), "allowed again");
        vm.assertFalse(ledger.wasAllowedFormatAt(sourceId, FORMAT_NOISE, START + 200), "never allowed");
        vm.assertFalse(ledger.wasAllowedFormatAt(sourceId + 1, FORMAT_AIR, START + 200), "unknown source");
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_registerSource_onlyOperators(address caller) public {
        vm.assume(caller != operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, OPERATOR_ROLE)
        );
        vm.prank(caller);
        ledger.registerSource(stranger, sourceOwner, 0, "", _none(), _keyProof("stranger", sourceOwner));
    }

    function testFuzz_rotateSourceKey_onlyOwnerOrOperator(address caller) public {
        vm.assume(caller != operator && caller != sourceOwner);
        vm.expectRevert(abi.encodeWithSelector(ISourceRegistry.SourceRegistryUnauthorized.selector, caller, sourceId));
        vm.prank(caller);
        ledger.rotateSourceKey(sourceId, stranger, _keyProof("stranger", sourceOwner));
    }

    function testFuzz_statusChanges_onlyOperators(address caller, uint8 action) public {
        vm.assume(caller != operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, OPERATOR_ROLE)
        );
        vm.prank(caller);
        if (action % 3 == 0) ledger.suspendSource(sourceId, 0);
        else if (action % 3 == 1) ledger.revokeSource(sourceId, 0);
        else ledger.setSourceFormats(sourceId, _one(FORMAT_NOISE), true);
        vm.assertEq(uint256(ledger.getSource(sourceId).status), uint256(SourceStatus.Active), "status changed");
    }

    /// @dev Suspends at `start + suspendAfter`, reactivates `pause` seconds later and checks
    /// `wasSourceActiveAt` at an arbitrary instant against that schedule.
    function testFuzz_wasSourceActiveAt_matchesSchedule(uint32 suspendAfter, uint32 pause, uint48 query) public {
        uint48 suspendedAt = START + uint48(suspendAfter);
        uint48 reactivatedAt = suspendedAt + uint48(bound(pause, 1, type(uint32).max));
        vm.warp(suspendedAt);
        vm.prank(operator);
        ledger.suspendSource(sourceId, 0);
        vm.warp(reactivatedAt);
        vm.prank(operator);
        ledger.reactivateSource(sourceId);

        // Mostly the seconds where the rule turns, where a bug would hide from uniform draws.
        uint48[7] memory edges = [
            START - 1,
            START,
            suspendedAt - 1,
            suspendedAt,
            suspendedAt + 1,
            reactivatedAt - 1,
            reactivatedAt
        ];
        if (query % 8 != 7) query = edges[(query % 8) % 7];

        // Active at the end of the second before or of this one: the suspension's own second still
        // counts as active, unless the source was registered in that very second.
        bool expected =
            query >= START &&
                (query < suspendedAt || (query == suspendedAt && suspendedAt > START) || query >= reactivatedAt);
        vm.assertEq(ledger.wasSourceActiveAt(sourceKey, query), expected, "wasSourceActiveAt");
    }

    function testFuzz_submitRecord_disallowedFormatRejected(bytes32 formatId) public {
        vm.assume(formatId != FORMAT_AIR);
        RecordInput memory record = _record(keccak256("x"), formatId);
        vm.expectRevert(
            abi.encodeWithSelector(ISourceRegistry.SourceRegistryFormatNotAllowed.selector, sourceId, formatId)
        );
        vm.prank(sourceKey);
        ledger.submitRecord(record);
    }
}
