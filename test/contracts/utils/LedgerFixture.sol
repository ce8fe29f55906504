// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataBlockJudge} from "../../../contracts/DataBlockJudge.sol";
import {DataLedger} from "../../../contracts/DataLedger.sol";
import {RecordInput, SignedOperation} from "../../../contracts/types/DataLedgerTypes.sol";

import {Test} from "./Test.sol";

/// @notice A deployed ledger with one account per Y.4561 actor, two active formats and one active
/// source allowed the first of them. The EIP-712 and Merkle helpers are written out here from the
/// specification rather than taken from the contract, so a test that signs with them also checks
/// the contract's hashing.
abstract contract LedgerFixture is Test {
    bytes32 internal constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 internal constant SOURCE_ROLE = keccak256("SOURCE_ROLE");
    bytes32 internal constant USER_ROLE = keccak256("USER_ROLE");
    bytes32 internal constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 internal constant SUPERVISOR_ROLE = keccak256("SUPERVISOR_ROLE");
    bytes32 internal constant GATEWAY_ROLE = keccak256("GATEWAY_ROLE");

    bytes32 internal constant RECORD_TYPEHASH = keccak256(
        "Record(bytes32 dataHash,bytes32 formatId,bytes32 metadataHash,uint48 sampledAt,string uri,uint48 deadline,uint32 epoch)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    bytes32 internal constant FORMAT_AIR = keccak256("schema: air-quality 1.0.0");
    bytes32 internal constant FORMAT_NOISE = keccak256("schema: noise 1.0.0");

    uint48 internal constant START = 1_700_000_000;
    /// @dev Short enough to wait out, long enough to tell "before" from "after".
    uint48 internal constant ADMIN_DELAY = 1 hours;

    DataLedger internal ledger;
    DataBlockJudge internal judge;

    address internal admin;
    address internal operator;
    address internal supervisor;
    address internal gateway;
    address internal user;
    address internal stranger;
    address internal sourceOwner;
    address internal sourceKey;
    uint256 internal sourceKeyPk;

    uint64 internal sourceId;

    function setUp() public virtual {
        vm.warp(START);
        admin = makeAddr("admin");
        operator = makeAddr("operator");
        supervisor = makeAddr("supervisor");
        gateway = makeAddr("gateway");
        user = makeAddr("user");
        stranger = makeAddr("stranger");
        sourceOwner = makeAddr("sourceOwner");
        (sourceKey, sourceKeyPk) = makeAddrAndKey("sourceKey");

        ledger = new DataLedger(admin, ADMIN_DELAY);
        judge = DataBlockJudge(ledger.dataBlockJudge());

        vm.startPrank(admin);
        ledger.grantRole(OPERATOR_ROLE, operator);
        ledger.grantRole(SUPERVISOR_ROLE, supervisor);
        vm.stopPrank();

        vm.startPrank(operator);
        ledger.grantRole(GATEWAY_ROLE, gateway);
        ledger.grantRole(USER_ROLE, user);
        ledger.registerFormat(FORMAT_AIR, "air-quality", "1.0.0", "ipfs://air", 0);
        ledger.registerFormat(FORMAT_NOISE, "noise", "1.0.0", "ipfs://noise", 0);
        sourceId = ledger.registerSource(
            sourceKey,
            sourceOwner,
            keccak256("station-1"),
            "ipfs://station-1",
            _one(FORMAT_AIR)
        );
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- builders

    function _record(bytes32 dataHash) internal pure returns (RecordInput memory) {
        return _record(dataHash, FORMAT_AIR);
    }

    function _record(bytes32 dataHash, bytes32 formatId) internal pure returns (RecordInput memory) {
        return
            RecordInput({
                dataHash: dataHash,
                formatId: formatId,
                metadataHash: keccak256(abi.encode("metadata", dataHash)),
                sampledAt: START - 60,
                uri: "ipfs://payload"
            });
    }

    /// @dev The record id `key` gets for `_record(dataHash)`: written out here, apart from the
    /// contract's `recordIdOf`, so the tests hold the contract to the documented rule.
    function _idOf(address key, bytes32 dataHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(key, dataHash, uint48(START - 60)));
    }

    /// @dev The record id the fixture's source gets for `_record(dataHash)`.
    function _id(bytes32 dataHash) internal view returns (bytes32) {
        return _idOf(sourceKey, dataHash);
    }

    function _one(bytes32 id) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = id;
    }

    function _two(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](2);
        ids[0] = a;
        ids[1] = b;
    }

    function _none() internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](0);
    }

    /// @dev Registers a new source whose key is derived from `name`; returns its id, key and private key.
    function _registerSource(
        string memory name,
        bytes32[] memory formats
    ) internal returns (uint64 id, address key, uint256 pk) {
        (key, pk) = makeAddrAndKey(name);
        vm.prank(operator);
        id = ledger.registerSource(key, sourceOwner, keccak256(bytes(name)), name, formats);
    }

    // ---------------------------------------------------------------- EIP-712

    function _domainSeparator(address verifyingContract, uint256 chainId) internal pure returns (bytes32) {
        return
            keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("DataLedger"), keccak256("1"), chainId, verifyingContract));
    }

    /// @dev Signed in epoch 0, a source's first (every status change and rotation moves it on).
    function _structHash(RecordInput memory record, uint48 deadline) internal pure returns (bytes32) {
        return _structHash(record, deadline, 0);
    }

    function _structHash(RecordInput memory record, uint48 deadline, uint32 epoch) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    RECORD_TYPEHASH,
                    record.dataHash,
                    record.formatId,
                    record.metadataHash,
                    record.sampledAt,
                    keccak256(bytes(record.uri)),
                    deadline,
                    epoch
                )
            );
    }

    function _digest(RecordInput memory record, uint48 deadline) internal view returns (bytes32) {
        return _digest(record, deadline, 0);
    }

    function _digest(RecordInput memory record, uint48 deadline, uint32 epoch) internal view returns (bytes32) {
        return
            keccak256(
                abi.encodePacked(
                    "\x19\x01",
                    _domainSeparator(address(ledger), block.chainid),
                    _structHash(record, deadline, epoch)
                )
            );
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function _sign(uint256 pk, RecordInput memory record, uint48 deadline) internal view returns (bytes memory) {
        return _sign(pk, _digest(record, deadline));
    }

    function _sign(
        uint256 pk,
        RecordInput memory record,
        uint48 deadline,
        uint32 epoch
    ) internal view returns (bytes memory) {
        return _sign(pk, _digest(record, deadline, epoch));
    }

    // ---------------------------------------------------------------- data blocks

    function _operation(
        address source,
        uint256 pk,
        bytes32 dataHash,
        uint48 deadline
    ) internal view returns (SignedOperation memory) {
        return _operation(source, pk, dataHash, deadline, 0);
    }

    function _operation(
        address source,
        uint256 pk,
        bytes32 dataHash,
        uint48 deadline,
        uint32 epoch
    ) internal view returns (SignedOperation memory) {
        RecordInput memory record = _record(dataHash);
        return
            SignedOperation({
                source: source,
                record: record,
                deadline: deadline,
                epoch: epoch,
                signature: _sign(pk, record, deadline, epoch)
            });
    }

    /// @dev The leaf of `op` in a block of the fixture's gateway.
    function _leaf(SignedOperation memory op) internal view returns (bytes32) {
        return _leaf(gateway, op);
    }

    /// @dev The leaf of `op` in a block of `blockGateway`, with the gateway bound into it.
    function _leaf(address blockGateway, SignedOperation memory op) internal pure returns (bytes32) {
        bytes32 inner = keccak256(
            abi.encode(
                blockGateway,
                op.source,
                _structHash(op.record, op.deadline, op.epoch),
                op.deadline,
                keccak256(op.signature)
            )
        );
        return keccak256(bytes.concat(inner));
    }

    /// @dev The id of `blockGateway`'s block with root `root`.
    function _blockId(address blockGateway, bytes32 root) internal pure returns (bytes32) {
        return keccak256(abi.encode(blockGateway, root));
    }

    /// @dev The id of the fixture's gateway's block with root `root`.
    function _blockId(bytes32 root) internal view returns (bytes32) {
        return _blockId(gateway, root);
    }

    /// @dev ceil(log2(count)): the tree's height, counted by doubling its width.
    function _depth(uint256 count) internal pure returns (uint256 depth) {
        for (uint256 width = 1; width < count; width *= 2) ++depth;
    }

    /// @dev An inner node of the positional tree: the unsorted pair.
    function _node(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(left, right));
    }

    /// @dev The positional tree over `slots` (a power of two of them, taken as they are): its
    /// root, and the proof (siblings, leaf level first) of every position.
    function _treeOfSlots(bytes32[] memory slots) internal pure returns (bytes32 root, bytes32[][] memory proofs) {
        uint256 width = slots.length;
        uint256 depth = _depth(width);
        vm.assertEq(uint256(1) << depth, width, "slots not a power of two");
        proofs = new bytes32[][](width);
        for (uint256 i = 0; i < width; ++i) proofs[i] = new bytes32[](depth);
        bytes32[] memory level = slots;
        for (uint256 k = 0; k < depth; ++k) {
            // The sibling of position i at level k is the other child of its ancestor's parent.
            for (uint256 i = 0; i < width; ++i) proofs[i][k] = level[(i >> k) ^ 1];
            bytes32[] memory parents = new bytes32[](level.length / 2);
            for (uint256 j = 0; j < parents.length; ++j) parents[j] = _node(level[2 * j], level[2 * j + 1]);
            level = parents;
        }
        root = level[0];
    }

    /// @dev The slots of an honest block: `leaves` in order, then zeros up to a power of two.
    function _slots(bytes32[] memory leaves) internal pure returns (bytes32[] memory slots) {
        slots = new bytes32[](uint256(1) << _depth(leaves.length));
        for (uint256 i = 0; i < leaves.length; ++i) slots[i] = leaves[i];
    }

    /// @dev An honest block's tree over `leaves`: its root and the proof of every position (the
    /// empty ones past the leaves included).
    function _tree(bytes32[] memory leaves) internal pure returns (bytes32 root, bytes32[][] memory proofs) {
        return _treeOfSlots(_slots(leaves));
    }
}
