// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataLedger} from "../../../contracts/DataLedger.sol";
import {RecordInput, RecordStatus, SourceStatus} from "../../../contracts/types/DataLedgerTypes.sol";

import {Test, Vm} from "../utils/Test.sol";

/// @notice Drives a DataLedger with random actors and actions for the invariant tests, and keeps
/// an independent model of what the ledger should hold. Every action first asks the model whether
/// it ought to succeed, then calls the ledger as a random actor and records any disagreement;
/// handler calls never revert, so the invariant runner keeps going and the invariants read the
/// disagreements back.
contract DataLedgerHandler is Test {
    struct ModelSource {
        address signer;
        address owner;
        SourceStatus status;
    }

    struct ModelRecord {
        RecordStatus status;
        uint64 sourceId;
        bytes32 formatId;
        uint16 reason;
    }

    bytes32 public constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 public constant SOURCE_ROLE = keccak256("SOURCE_ROLE");
    bytes32 public constant USER_ROLE = keccak256("USER_ROLE");
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant SUPERVISOR_ROLE = keccak256("SUPERVISOR_ROLE");
    bytes32 public constant GATEWAY_ROLE = keccak256("GATEWAY_ROLE");

    uint256 public constant ACTOR_COUNT = 10;
    uint256 public constant FORMAT_COUNT = 4; // the last one starts unregistered
    uint256 public constant HASH_DOMAIN = 48; // data hashes are drawn from a small set so they collide
    uint48 public constant ADMIN_DELAY = 1 hours;
    bytes32 internal constant ROLE_GRANTED = keccak256("RoleGranted(bytes32,address,address)");
    bytes32 internal constant ROLE_REVOKED = keccak256("RoleRevoked(bytes32,address,address)");

    DataLedger public immutable ledger;
    address public immutable admin;
    address public immutable operator;

    address[] internal _actors;
    mapping(address account => uint256 privateKey) internal _keyOf;
    bytes32[FORMAT_COUNT] internal _formats;
    bytes32[6] internal _roles;

    // ---------------------------------------------------------------- the model

    mapping(bytes32 role => mapping(address account => bool)) public modelRole;
    /// @notice How often the account lost the role, in the model.
    mapping(bytes32 role => mapping(address account => uint64)) public modelRoleEpoch;
    mapping(bytes32 formatId => bool) public modelFormatKnown;
    mapping(bytes32 formatId => bool) public modelFormatDeprecated;
    mapping(bytes32 nameVersion => bool) internal _modelNameTaken;
    mapping(uint64 sourceId => ModelSource) internal _modelSources;
    mapping(address key => uint64 sourceId) public modelKeySource;
    /// @notice Each source's signing epoch in the model: one more at every status change and rotation.
    mapping(uint64 sourceId => uint32) public modelEpoch;
    mapping(uint64 sourceId => mapping(bytes32 formatId => bool)) public modelAllowed;
    mapping(bytes32 recordId => ModelRecord) internal _modelRecords;
    /// @dev Blocks are keyed per gateway: keccak256(abi.encode(gateway, root)).
    mapping(bytes32 blockId => bool) public modelBlock;
    uint64 public modelSourceCount;
    bool public modelPaused;

    // ---------------------------------------------------------------- the indexer's view

    /// @notice Role holders as an indexer sees them: every RoleGranted/RoleRevoked the ledger
    /// emitted, replayed in log order (SOURCE_ROLE included, although the ledger derives it).
    mapping(bytes32 role => mapping(address account => bool)) public eventRole;
    /// @notice Role events that changed nothing in the replay (a grant to a holder, a revocation
    /// from a non-holder): an indexer would have to tell them from real changes.
    uint256 public redundantRoleEvents;
    /// @notice Times, right after an action, the replayed SOURCE_ROLE of an actor differed from
    /// the ledger's hasRole: a key change the events did not announce.
    uint256 public sourceRoleEventGaps;
    bool private _succeeded;

    // ---------------------------------------------------------------- ghost variables

    /// @notice Every record the ledger accepted, with whether the model's source was an active
    /// key allowed the (active) format at that moment.
    bytes32[] public anchored;
    mapping(bytes32 recordId => bool) public authorisedAtAnchor;
    mapping(bytes32 recordId => bool) public acceptedByLedger;
    /// @notice Every record id a submission aimed at, accepted or not: the ids the invariants
    /// check for records the handler did not see accepted.
    bytes32[] public attempted;

    /// @notice Records the ledger revoked.
    bytes32[] public revoked;

    /// @notice Anchors (any path) the ledger accepted although the model had no authorised, active source for them.
    uint256 public unauthorisedAnchors;
    /// @notice Calls that changed a revoked record (update, revoke again, re-anchor its hash).
    uint256 public revokedRecordChanges;
    /// @notice Role grants or revocations the ledger accepted from an account without the admin role.
    uint256 public roleEscalations;
    /// @notice Any action whose outcome (success or revert) differed from the model's.
    uint256 public mismatches;
    string public lastMismatch;

    mapping(bytes4 selector => uint256) public successes;

    /// @dev Every action replays the role events its ledger call emitted, then checks SOURCE_ROLE
    /// against them. The log recorder also keeps logs of calls that reverted (which a chain drops),
    /// so a failed call's logs are discarded.
    modifier replaysRoleEvents() {
        _succeeded = false;
        vm.recordLogs();
        _;
        _replayRoleEvents(_succeeded);
    }

    constructor() {
        vm.recordLogs();
        admin = makeAddr("admin");
        operator = makeAddr("operator");
        ledger = new DataLedger(admin, ADMIN_DELAY);
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            (address account, uint256 key) = makeAddrAndKey(string.concat("actor", vm.toString(i)));
            _actors.push(account);
            _keyOf[account] = key;
        }
        _roles = [DEFAULT_ADMIN_ROLE, OPERATOR_ROLE, SUPERVISOR_ROLE, GATEWAY_ROLE, USER_ROLE, SOURCE_ROLE];
        for (uint256 i = 0; i < FORMAT_COUNT; ++i) _formats[i] = keccak256(abi.encode("format", i));

        modelRole[DEFAULT_ADMIN_ROLE][admin] = true;
        vm.prank(admin);
        ledger.grantRole(OPERATOR_ROLE, operator);
        modelRole[OPERATOR_ROLE][operator] = true;

        vm.startPrank(operator);
        for (uint256 i = 0; i + 1 < FORMAT_COUNT; ++i) {
            ledger.registerFormat(_formats[i], _formatName(i), "1", "", 0);
            modelFormatKnown[_formats[i]] = true;
            _modelNameTaken[keccak256(abi.encode(_formatName(i), "1"))] = true;
        }
        // Three sources to begin with, keyed by actors 0-2, each allowed a different format set.
        for (uint256 i = 0; i < 3; ++i) {
            bytes32[] memory formats = new bytes32[](i + 1);
            for (uint256 f = 0; f <= i; ++f) formats[f] = _formats[f];
            uint64 id = ledger.registerSource(_actors[i], _actors[i + 3], 0, "", formats);
            _modelSources[id] = ModelSource(_actors[i], _actors[i + 3], SourceStatus.Active);
            modelKeySource[_actors[i]] = id;
            for (uint256 f = 0; f <= i; ++f) modelAllowed[id][_formats[f]] = true;
        }
        modelSourceCount = 3;
        ledger.grantRole(GATEWAY_ROLE, _actors[9]);
        modelRole[GATEWAY_ROLE][_actors[9]] = true;
        vm.stopPrank();
        _replayRoleEvents(true);
    }

    // ---------------------------------------------------------------- source and format management

    function registerSource(
        uint256 callerSeed,
        uint256 keySeed,
        uint256 ownerSeed,
        uint8 formatMask
    ) external replaysRoleEvents {
        address caller = _privileged(callerSeed);
        address key = _actor(keySeed);
        address owner = _actor(ownerSeed);
        bytes32[] memory formats = _formatsFromMask(formatMask);

        bool expected = _isOperator(caller) && modelKeySource[key] == 0;
        for (uint256 i = 0; i < formats.length; ++i) expected = expected && _usableFormat(formats[i]);

        vm.prank(caller);
        try ledger.registerSource(key, owner, 0, "", formats) returns (uint64 id) {
            _success(msg.sig);
            if (!expected) return _mismatch("registerSource accepted");
            if (id != ++modelSourceCount) return _mismatch("registerSource id");
            _modelSources[id] = ModelSource(key, owner, SourceStatus.Active);
            modelKeySource[key] = id;
            for (uint256 i = 0; i < formats.length; ++i) modelAllowed[id][formats[i]] = true;
        } catch {
            if (expected) _mismatch("registerSource rejected");
        }
    }

    function setSourceFormats(
        uint256 callerSeed,
        uint256 sourceSeed,
        uint256 formatSeed,
        bool allowed
    ) external replaysRoleEvents {
        address caller = _privileged(callerSeed);
        uint64 id = _sourceId(sourceSeed);
        bytes32 formatId = _format(formatSeed);
        bool expected =
            _isOperator(caller) &&
                _knownSource(id) &&
                modelFormatKnown[formatId] &&
                (!allowed || !modelFormatDeprecated[formatId]);

        vm.prank(caller);
        try ledger.setSourceFormats(id, _single(formatId), allowed) {
            _success(msg.sig);
            if (!expected) return _mismatch("setSourceFormats accepted");
            modelAllowed[id][formatId] = allowed;
        } catch {
            if (expected) _mismatch("setSourceFormats rejected");
        }
    }

    function suspendSource(uint256 callerSeed, uint256 sourceSeed) external replaysRoleEvents {
        address caller = _privileged(callerSeed);
        uint64 id = _sourceId(sourceSeed);
        bool expected = _isOperator(caller) && _modelSources[id].status == SourceStatus.Active;
        vm.prank(caller);
        try ledger.suspendSource(id, 1) {
            _success(msg.sig);
            if (!expected) return _mismatch("suspendSource accepted");
            _modelSources[id].status = SourceStatus.Suspended;
            ++modelEpoch[id];
        } catch {
            if (expected) _mismatch("suspendSource rejected");
        }
    }

    function reactivateSource(uint256 callerSeed, uint256 sourceSeed) external replaysRoleEvents {
        address caller = _privileged(callerSeed);
        uint64 id = _sourceId(sourceSeed);
        bool expected = _isOperator(caller) && _modelSources[id].status == SourceStatus.Suspended;
        vm.prank(caller);
        try ledger.reactivateSource(id) {
            _success(msg.sig);
            if (!expected) return _mismatch("reactivateSource accepted");
            _modelSources[id].status = SourceStatus.Active;
            ++modelEpoch[id];
        } catch {
            if (expected) _mismatch("reactivateSource rejected");
        }
    }

    function revokeSource(uint256 callerSeed, uint256 sourceSeed) external replaysRoleEvents {
        // Rarer than the other actions: a revoked source is gone for the rest of the run.
        if (sourceSeed % 3 != 0) return;
        address caller = _privileged(callerSeed);
        uint64 id = _sourceId(sourceSeed / 3);
        bool expected = _isOperator(caller) && _knownSource(id) && _modelSources[id].status != SourceStatus.Revoked;
        vm.prank(caller);
        try ledger.revokeSource(id, 2) {
            _success(msg.sig);
            if (!expected) return _mismatch("revokeSource accepted");
            _modelSources[id].status = SourceStatus.Revoked;
            ++modelEpoch[id];
        } catch {
            if (expected) _mismatch("revokeSource rejected");
        }
    }

    function rotateSourceKey(uint256 callerSeed, uint256 sourceSeed, uint256 keySeed) external replaysRoleEvents {
        uint64 id = _sourceId(sourceSeed);
        // Owners rotate their own sources too.
        address caller = callerSeed % 3 == 0 ? _modelSources[id].owner : _caller(callerSeed);
        address newKey = _actor(keySeed);
        ModelSource storage source = _modelSources[id];
        bool expected =
            _knownSource(id) &&
                (caller == source.owner || _isOperator(caller)) &&
                source.status != SourceStatus.Revoked &&
                modelKeySource[newKey] == 0;
        vm.prank(caller);
        try ledger.rotateSourceKey(id, newKey) {
            _success(msg.sig);
            if (!expected) return _mismatch("rotateSourceKey accepted");
            source.signer = newKey;
            modelKeySource[newKey] = id;
            ++modelEpoch[id];
        } catch {
            if (expected) _mismatch("rotateSourceKey rejected");
        }
    }

    function registerFormat(uint256 callerSeed, uint256 nameSeed) external replaysRoleEvents {
        address caller = _privileged(callerSeed);
        bytes32 formatId = _formats[FORMAT_COUNT - 1];
        string memory name = _formatName(nameSeed % FORMAT_COUNT);
        bytes32 nameVersion = keccak256(abi.encode(name, "1"));
        bool expected = _isOperator(caller) && !modelFormatKnown[formatId] && !_modelNameTaken[nameVersion];
        vm.prank(caller);
        try ledger.registerFormat(formatId, name, "1", "", 0) {
            _success(msg.sig);
            if (!expected) return _mismatch("registerFormat accepted");
            modelFormatKnown[formatId] = true;
            _modelNameTaken[nameVersion] = true;
        } catch {
            if (expected) _mismatch("registerFormat rejected");
        }
    }

    function deprecateFormat(uint256 callerSeed, uint256 formatSeed) external replaysRoleEvents {
        // Rare: each deprecation retires a format for the rest of the run.
        if (formatSeed % 4 != 0) return;
        address caller = _privileged(callerSeed);
        bytes32 formatId = _format(formatSeed / 4);
        bool expected = _isOperator(caller) && _usableFormat(formatId);
        vm.prank(caller);
        try ledger.deprecateFormat(formatId) {
            _success(msg.sig);
            if (!expected) return _mismatch("deprecateFormat accepted");
            modelFormatDeprecated[formatId] = true;
        } catch {
            if (expected) _mismatch("deprecateFormat rejected");
        }
    }

    // ---------------------------------------------------------------- submissions

    function submitRecord(uint256 callerSeed, uint256 formatSeed, uint256 hashSeed) external replaysRoleEvents {
        address caller = _submitter(callerSeed);
        RecordInput memory record = _recordInput(hashSeed, _formatFor(modelKeySource[caller], formatSeed));
        bool authorised = _authorised(caller, record.formatId);
        bytes32 id = _attempt(caller, record);
        bool expected = !modelPaused && authorised && _anchorable(id, record.dataHash);

        vm.prank(caller);
        try ledger.submitRecord(record) {
            _success(msg.sig);
            _anchored(record, id, modelKeySource[caller], authorised, expected, "submitRecord accepted");
        } catch {
            if (expected) _mismatch("submitRecord rejected");
        }
    }

    function submitRecordBySig(
        uint256 relayerSeed,
        uint256 signerSeed,
        uint256 claimSeed,
        uint256 formatSeed,
        uint256 hashSeed,
        uint256 deadlineSeed
    ) external replaysRoleEvents {
        address signer = _submitter(signerSeed);
        // Mostly honest claims; sometimes the relayer names another key than the one that signed.
        address claimed = claimSeed % 4 == 0 ? _actor(claimSeed / 4) : signer;
        RecordInput memory record = _recordInput(hashSeed, _formatFor(modelKeySource[signer], formatSeed));
        uint48 nowTs = _now();
        // A quarter of the signatures are already past their deadline.
        uint48 deadline =
            deadlineSeed % 4 == 0 ? nowTs - 1 - uint48(deadlineSeed % 1 hours) : nowTs + uint48(deadlineSeed % 2 hours);
        // A fifth of the signatures name the epoch before the source's current one (stale).
        uint32 epoch = modelEpoch[modelKeySource[signer]];
        if (deadlineSeed % 5 == 1 && epoch > 0) --epoch;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf[signer], ledger.hashRecord(record, deadline, epoch));
        bytes memory signature = abi.encodePacked(r, s, v);

        bool authorised = claimed == signer && _authorised(claimed, record.formatId);
        bytes32 id = _attempt(claimed, record);
        bool expected =
            !modelPaused &&
                deadline >= nowTs &&
                authorised &&
                epoch == modelEpoch[modelKeySource[claimed]] &&
                _anchorable(id, record.dataHash);

        vm.prank(_caller(relayerSeed));
        try ledger.submitRecordBySig(claimed, record, deadline, signature) {
            _success(msg.sig);
            _anchored(record, id, modelKeySource[claimed], authorised, expected, "submitRecordBySig accepted");
        } catch {
            if (expected) _mismatch("submitRecordBySig rejected");
        }
    }

    function updateRecord(
        uint256 callerSeed,
        uint256 previousSeed,
        uint256 formatSeed,
        uint256 hashSeed
    ) external replaysRoleEvents {
        bytes32 previous = _existingRecordId(previousSeed);
        ModelRecord storage old = _modelRecords[previous];
        uint64 sourceId = old.sourceId;
        address signer = _modelSources[sourceId].signer;
        // The record's own source key half of the time.
        address caller = callerSeed % 2 == 0 && signer != address(0) ? signer : _caller(callerSeed);
        RecordInput memory record = _recordInput(hashSeed, _formatFor(sourceId, formatSeed));
        // A new version is the source's own statement: only its current, active key makes one.
        bytes32 id = _attempt(caller, record);

        bool authorised = old.status == RecordStatus.Active && caller == signer && _authorised(signer, record.formatId);
        bool expected = !modelPaused && authorised && _anchorable(id, record.dataHash);
        RecordStatus statusBefore = old.status;

        vm.prank(caller);
        try ledger.updateRecord(previous, record) {
            _success(msg.sig);
            if (statusBefore == RecordStatus.Revoked) ++revokedRecordChanges;
            _anchored(record, id, sourceId, authorised, expected, "updateRecord accepted");
            old.status = RecordStatus.Superseded;
        } catch {
            if (expected) _mismatch("updateRecord rejected");
        }
    }

    function revokeRecord(uint256 callerSeed, uint256 hashSeed, uint16 reason) external replaysRoleEvents {
        bytes32 recordId = _existingRecordId(hashSeed);
        ModelRecord storage record = _modelRecords[recordId];
        address signer = _modelSources[record.sourceId].signer;
        address caller = callerSeed % 2 == 0 && signer != address(0) ? signer : _caller(callerSeed);
        bool sourceItself = modelKeySource[caller] == record.sourceId && _activeKey(caller);
        bool expected = record.status == RecordStatus.Active && (sourceItself || _isOperator(caller));
        RecordStatus statusBefore = record.status;

        vm.prank(caller);
        try ledger.revokeRecord(recordId, reason) {
            _success(msg.sig);
            if (statusBefore == RecordStatus.Revoked) ++revokedRecordChanges;
            if (!expected) return _mismatch("revokeRecord accepted");
            record.status = RecordStatus.Revoked;
            record.reason = reason;
            revoked.push(recordId);
        } catch {
            if (expected) _mismatch("revokeRecord rejected");
        }
    }

    function submitDataBlock(
        uint256 callerSeed,
        uint256 rootSeed,
        uint8 count,
        uint8 first,
        uint8 last
    ) external replaysRoleEvents {
        // The first gateway half of the time.
        address caller = callerSeed % 2 == 0 ? _actors[ACTOR_COUNT - 1] : _caller(callerSeed / 2);
        bytes32 root = rootSeed % 17 == 0 ? bytes32(0) : keccak256(abi.encode("root", rootSeed % 17));
        count = count % 3;
        bytes32 blockId = keccak256(abi.encode(caller, root));
        bool expected =
            !modelPaused &&
                modelRole[GATEWAY_ROLE][caller] &&
                root != bytes32(0) &&
                count != 0 &&
                first <= last &&
                !modelBlock[blockId];
        vm.prank(caller);
        try ledger.submitDataBlock(root, count, first, last, "") {
            _success(msg.sig);
            if (!modelRole[GATEWAY_ROLE][caller]) ++roleEscalations;
            if (!expected) return _mismatch("submitDataBlock accepted");
            modelBlock[blockId] = true;
        } catch {
            if (expected) _mismatch("submitDataBlock rejected");
        }
    }

    // ---------------------------------------------------------------- roles and pause

    function grantRole(uint256 callerSeed, uint256 roleSeed, uint256 accountSeed) external replaysRoleEvents {
        address caller = _roleAdministrator(callerSeed);
        bytes32 role = _roles[roleSeed % _roles.length];
        address account = accountSeed % 5 == 0 ? operator : _actor(accountSeed);
        bool entitled = modelRole[_roleAdmin(role)][caller];
        // DEFAULT_ADMIN_ROLE moves only by the two-step transfer, never by grantRole/revokeRole.
        bool expected = role != SOURCE_ROLE && role != DEFAULT_ADMIN_ROLE && entitled;
        vm.prank(caller);
        try ledger.grantRole(role, account) {
            _success(msg.sig);
            if (!entitled || role == SOURCE_ROLE || role == DEFAULT_ADMIN_ROLE) ++roleEscalations;
            if (!expected) return _mismatch("grantRole accepted");
            modelRole[role][account] = true;
        } catch {
            if (expected) _mismatch("grantRole rejected");
        }
    }

    function revokeRole(uint256 callerSeed, uint256 roleSeed, uint256 accountSeed) external replaysRoleEvents {
        address caller = _roleAdministrator(callerSeed);
        bytes32 role = _roles[roleSeed % _roles.length];
        address account = accountSeed % 5 == 0 ? operator : _actor(accountSeed);
        bool entitled = modelRole[_roleAdmin(role)][caller];
        // DEFAULT_ADMIN_ROLE moves only by the two-step transfer, never by grantRole/revokeRole.
        bool expected = role != SOURCE_ROLE && role != DEFAULT_ADMIN_ROLE && entitled;
        vm.prank(caller);
        try ledger.revokeRole(role, account) {
            _success(msg.sig);
            if (!entitled || role == SOURCE_ROLE || role == DEFAULT_ADMIN_ROLE) ++roleEscalations;
            if (!expected) return _mismatch("revokeRole accepted");
            _modelLoseRole(role, account);
        } catch {
            if (expected) _mismatch("revokeRole rejected");
        }
    }

    function renounceRole(uint256 callerSeed, uint256 roleSeed) external replaysRoleEvents {
        // Only actors renounce: the admin and the operator lose roles by revocation, which is rarer,
        // so most runs keep someone able to manage the ledger.
        address caller = _actor(callerSeed);
        bytes32 role = _roles[roleSeed % _roles.length];
        bool expected = role != SOURCE_ROLE;
        vm.prank(caller);
        try ledger.renounceRole(role, caller) {
            _success(msg.sig);
            if (!expected) return _mismatch("renounceRole accepted");
            _modelLoseRole(role, caller);
        } catch {
            if (expected) _mismatch("renounceRole rejected");
        }
    }

    function pause(uint256 callerSeed) external replaysRoleEvents {
        address caller = _caller(callerSeed);
        bool expected = !modelPaused && (_isOperator(caller) || modelRole[SUPERVISOR_ROLE][caller]);
        vm.prank(caller);
        try ledger.pause() {
            _success(msg.sig);
            if (!expected) return _mismatch("pause accepted");
            modelPaused = true;
        } catch {
            if (expected) _mismatch("pause rejected");
        }
    }

    function unpause(uint256 callerSeed) external replaysRoleEvents {
        address caller = _privileged(callerSeed);
        bool expected = modelPaused && _isOperator(caller);
        vm.prank(caller);
        try ledger.unpause() {
            _success(msg.sig);
            if (!expected) return _mismatch("unpause accepted");
            modelPaused = false;
        } catch {
            if (expected) _mismatch("unpause rejected");
        }
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(_now() + 1 + (secondsSeed % 3 days));
    }

    // ---------------------------------------------------------------- views for the invariants

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function roles() external view returns (bytes32[6] memory) {
        return _roles;
    }

    function attemptedCount() external view returns (uint256) {
        return attempted.length;
    }

    function modelRecord(bytes32 recordId) external view returns (ModelRecord memory) {
        return _modelRecords[recordId];
    }

    function modelSource(uint64 sourceId) external view returns (ModelSource memory) {
        return _modelSources[sourceId];
    }

    function formatAt(uint256 index) external view returns (bytes32) {
        return _formats[index];
    }

    function anchoredCount() external view returns (uint256) {
        return anchored.length;
    }

    function revokedCount() external view returns (uint256) {
        return revoked.length;
    }

    /// @notice Whether `key` is, in the model, the current key of an active source.
    function modelActiveKey(address key) external view returns (bool) {
        return _activeKey(key);
    }

    // ---------------------------------------------------------------- model helpers

    /// @dev The record id `key` claims for `record`, in the model's own words (the documented
    /// rule, not the contract's `recordIdOf`), noted as attempted.
    function _attempt(address key, RecordInput memory record) private returns (bytes32 id) {
        id = keccak256(abi.encode(key, record.dataHash, record.sampledAt));
        attempted.push(id);
    }

    function _anchored(
        RecordInput memory record,
        bytes32 id,
        uint64 sourceId,
        bool authorised,
        bool expected,
        string memory what
    ) private {
        if (_modelRecords[id].status == RecordStatus.Revoked) ++revokedRecordChanges;
        if (!authorised) ++unauthorisedAnchors;
        anchored.push(id);
        acceptedByLedger[id] = true;
        authorisedAtAnchor[id] = authorised;
        if (!expected) return _mismatch(what);
        _modelRecords[id] = ModelRecord(RecordStatus.Active, sourceId, record.formatId, 0);
    }

    /// @dev The model's answer to "may `key` anchor a record in `formatId` now": it is the current
    /// key of an active source that is allowed the format, and the format is registered and active.
    function _authorised(address key, bytes32 formatId) private view returns (bool) {
        return _activeKey(key) && modelAllowed[modelKeySource[key]][formatId] && _usableFormat(formatId);
    }

    function _activeKey(address key) private view returns (bool) {
        uint64 id = modelKeySource[key];
        return id != 0 && _modelSources[id].signer == key && _modelSources[id].status == SourceStatus.Active;
    }

    function _anchorable(bytes32 id, bytes32 dataHash) private view returns (bool) {
        return dataHash != bytes32(0) && _modelRecords[id].status == RecordStatus.None;
    }

    function _usableFormat(bytes32 formatId) private view returns (bool) {
        return modelFormatKnown[formatId] && !modelFormatDeprecated[formatId];
    }

    function _knownSource(uint64 id) private view returns (bool) {
        return id != 0 && id <= modelSourceCount;
    }

    function _isOperator(address account) private view returns (bool) {
        return modelRole[OPERATOR_ROLE][account];
    }

    function _roleAdmin(bytes32 role) private pure returns (bytes32) {
        if (role == USER_ROLE || role == GATEWAY_ROLE || role == SOURCE_ROLE) return OPERATOR_ROLE;
        return DEFAULT_ADMIN_ROLE;
    }

    function _replayRoleEvents(bool succeeded) private {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; succeeded && i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(ledger) || log.topics.length != 4) continue;
            bool granted = log.topics[0] == ROLE_GRANTED;
            if (!granted && log.topics[0] != ROLE_REVOKED) continue;
            bytes32 role = log.topics[1];
            address account = address(uint160(uint256(log.topics[2])));
            if (eventRole[role][account] == granted) ++redundantRoleEvents;
            eventRole[role][account] = granted;
        }
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            address actor = _actors[i];
            if (eventRole[SOURCE_ROLE][actor] != ledger.hasRole(SOURCE_ROLE, actor)) ++sourceRoleEventGaps;
        }
    }

    function _modelLoseRole(bytes32 role, address account) private {
        if (modelRole[role][account]) ++modelRoleEpoch[role][account];
        modelRole[role][account] = false;
    }

    function _mismatch(string memory what) private {
        ++mismatches;
        lastMismatch = what;
    }

    function _success(bytes4 selector) private {
        _succeeded = true;
        ++successes[selector];
    }

    // ---------------------------------------------------------------- input shaping

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }

    /// @dev Any actor, the operator or the admin.
    function _caller(uint256 seed) private view returns (address) {
        uint256 index = seed % (ACTOR_COUNT + 2);
        if (index == ACTOR_COUNT) return operator;
        if (index == ACTOR_COUNT + 1) return admin;
        return _actors[index];
    }

    /// @dev The operator half of the time, else any caller: management actions mostly succeed.
    function _privileged(uint256 seed) private view returns (address) {
        return seed % 2 == 0 ? operator : _caller(seed / 2);
    }

    /// @dev The admin or the operator two thirds of the time, else any caller.
    function _roleAdministrator(uint256 seed) private view returns (address) {
        if (seed % 3 == 0) return admin;
        if (seed % 3 == 1) return operator;
        return _caller(seed / 3);
    }

    /// @dev The current key of a random source half of the time (whatever its status), else any actor.
    function _submitter(uint256 seed) private view returns (address) {
        if (seed % 2 == 0 && modelSourceCount != 0) {
            return _modelSources[uint64(1 + ((seed / 2) % modelSourceCount))].signer;
        }
        return _actor(seed / 2);
    }

    /// @dev A record anchored earlier (any status) three times in four, else an id no record has
    /// (the bare data hash, which is never a record id).
    function _existingRecordId(uint256 seed) private view returns (bytes32) {
        if (seed % 4 != 0 && anchored.length != 0) return anchored[(seed / 4) % anchored.length];
        return _dataHash(seed / 4);
    }

    /// @dev Ids 0 and count + 1 are unknown; the rest are registered sources.
    function _sourceId(uint256 seed) private view returns (uint64) {
        return uint64(seed % (uint256(modelSourceCount) + 2));
    }

    function _format(uint256 seed) private view returns (bytes32) {
        return _formats[seed % FORMAT_COUNT];
    }

    /// @dev A format the source is allowed half of the time (when it has one), else any format.
    function _formatFor(uint64 sourceId, uint256 seed) private view returns (bytes32) {
        if (seed % 2 == 0) {
            for (uint256 i = 0; i < FORMAT_COUNT; ++i) {
                bytes32 formatId = _formats[(seed / 2 + i) % FORMAT_COUNT];
                if (modelAllowed[sourceId][formatId]) return formatId;
            }
        }
        return _format(seed / 2);
    }

    function _formatName(uint256 index) private pure returns (string memory) {
        return string.concat("f", vm.toString(index));
    }

    function _formatsFromMask(uint8 mask) private view returns (bytes32[] memory formats) {
        uint256 n;
        for (uint256 i = 0; i < FORMAT_COUNT; ++i) if (mask & (1 << i) != 0) ++n;
        formats = new bytes32[](n);
        n = 0;
        for (uint256 i = 0; i < FORMAT_COUNT; ++i) if (mask & (1 << i) != 0) formats[n++] = _formats[i];
    }

    function _single(bytes32 formatId) private pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = formatId;
    }

    /// @dev One seed in HASH_DOMAIN + 1 gives the zero hash, which must always be refused.
    function _dataHash(uint256 seed) private pure returns (bytes32) {
        uint256 index = seed % (HASH_DOMAIN + 1);
        return index == HASH_DOMAIN ? bytes32(0) : keccak256(abi.encode("data", index));
    }

    function _recordInput(uint256 hashSeed, bytes32 formatId) private view returns (RecordInput memory) {
        return RecordInput(_dataHash(hashSeed), formatId, keccak256(abi.encode(hashSeed)), _now(), "");
    }
}
