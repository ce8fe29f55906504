import { expect } from "chai";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { network } from "hardhat";

import {
  ADMIN_DELAY,
  deployLedger,
  recordIdOf,
  type LedgerFixture,
} from "../fixtures/deployLedger.js";
import { buildDataBlock } from "../helpers/buildDataBlock.js";
import { DataBlockStatus, DisputeReason, RecordStatus } from "../helpers/enums.js";
import { makeRecord } from "../helpers/makeRecord.js";
import { signRecord } from "../helpers/signRecord.js";
import { keyProof } from "../helpers/keyProof.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

describe("LedgerRoles", function () {
  describe("roles", function () {
    it("names each role by the keccak256 of its name", async function () {
      const { ledger } = await networkHelpers.loadFixture(deployLedger);

      expect(await ledger.SOURCE_ROLE()).to.equal(id("SOURCE_ROLE"));
      expect(await ledger.USER_ROLE()).to.equal(id("USER_ROLE"));
      expect(await ledger.OPERATOR_ROLE()).to.equal(id("OPERATOR_ROLE"));
      expect(await ledger.SUPERVISOR_ROLE()).to.equal(id("SUPERVISOR_ROLE"));
      expect(await ledger.GATEWAY_ROLE()).to.equal(id("GATEWAY_ROLE"));
    });

    it("gives the admin operators and supervisors, and operators users and gateways", async function () {
      const { ledger, admin } = await networkHelpers.loadFixture(deployLedger);

      expect(await ledger.hasRole(ZeroHash, admin.address)).to.equal(true);
      expect(await ledger.getRoleAdmin(await ledger.OPERATOR_ROLE())).to.equal(ZeroHash);
      expect(await ledger.getRoleAdmin(await ledger.SUPERVISOR_ROLE())).to.equal(ZeroHash);
      expect(await ledger.getRoleAdmin(await ledger.USER_ROLE())).to.equal(
        await ledger.OPERATOR_ROLE(),
      );
      expect(await ledger.getRoleAdmin(await ledger.GATEWAY_ROLE())).to.equal(
        await ledger.OPERATOR_ROLE(),
      );
    });

    it("does not let an operator appoint operators, nor the admin appoint users", async function () {
      const { ledger, admin, operator, stranger } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger.connect(operator).grantRole(await ledger.OPERATOR_ROLE(), stranger.address),
      )
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, ZeroHash);
      await expect(ledger.connect(admin).grantRole(await ledger.USER_ROLE(), stranger.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, await ledger.OPERATOR_ROLE());
    });

    it("lets operators grant and revoke gateways", async function () {
      const { ledger, operator, gateway } = await networkHelpers.loadFixture(deployLedger);
      const gatewayRole = await ledger.GATEWAY_ROLE();

      await expect(ledger.connect(operator).revokeRole(gatewayRole, gateway.address))
        .to.emit(ledger, "RoleRevoked")
        .withArgs(gatewayRole, gateway.address, operator.address);
      await expect(ledger.connect(gateway).submitDataBlock(id("root"), 1, 1, 1, ""))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(gateway.address, gatewayRole);
    });

    it("refuses to grant, revoke or renounce SOURCE_ROLE directly, even for the admin", async function () {
      const { ledger, admin, operator, sourceKey, stranger } =
        await networkHelpers.loadFixture(deployLedger);
      const sourceRole = await ledger.SOURCE_ROLE();

      await expect(ledger.connect(admin).grantRole(sourceRole, stranger.address))
        .to.be.revertedWithCustomError(ledger, "LedgerRolesManagedBySourceRegistry")
        .withArgs(sourceRole);
      await expect(ledger.connect(operator).revokeRole(sourceRole, sourceKey.address))
        .to.be.revertedWithCustomError(ledger, "LedgerRolesManagedBySourceRegistry")
        .withArgs(sourceRole);
      await expect(ledger.connect(sourceKey).renounceRole(sourceRole, sourceKey.address))
        .to.be.revertedWithCustomError(ledger, "LedgerRolesManagedBySourceRegistry")
        .withArgs(sourceRole);
      expect(await ledger.hasRole(sourceRole, sourceKey.address)).to.equal(true);
      expect(await ledger.hasRole(sourceRole, stranger.address)).to.equal(false);
    });

    it("derives SOURCE_ROLE from the source registry", async function () {
      const { ledger, operator, sourceKey, sourceOwner, spare, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const sourceRole = await ledger.SOURCE_ROLE();
      const holds = (address: string) => ledger.hasRole(sourceRole, address);

      await ledger.connect(operator).suspendSource(sourceId, 0);
      expect(await holds(sourceKey.address)).to.equal(false);
      await ledger.connect(operator).reactivateSource(sourceId);
      expect(await holds(sourceKey.address)).to.equal(true);
      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(sourceId, spare[0].address, await keyProof(ledger, spare[0], sourceOwner));
      expect(await holds(sourceKey.address)).to.equal(false);
      expect(await holds(spare[0].address)).to.equal(true);
      await ledger.connect(operator).revokeSource(sourceId, 0);
      expect(await holds(spare[0].address)).to.equal(false);
    });

    it("announces every SOURCE_ROLE change as RoleGranted/RoleRevoked, enough to rebuild hasRole at every block", async function () {
      const { ledger, operator, sourceKey, sourceOwner, spare, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const sourceRole = await ledger.SOURCE_ROLE();
      const from = await ledger.runner!.provider!.getBlockNumber();
      const [second, rotated, third] = spare;

      await ledger
        .connect(operator)
        .registerSource(
          second.address,
          sourceOwner.address,
          ZeroHash,
          "",
          [formatId],
          await keyProof(ledger, second, sourceOwner.address),
        );
      await ledger.connect(operator).suspendSource(sourceId, 1);
      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(sourceId, rotated.address, await keyProof(ledger, rotated, sourceOwner)); // suspended: no role moves
      await ledger.connect(operator).reactivateSource(sourceId);
      await ledger
        .connect(operator)
        .rotateSourceKey(2n, third.address, await keyProof(ledger, third, sourceOwner));
      await ledger.connect(operator).suspendSource(2n, 1);
      await ledger.connect(operator).revokeSource(2n, 2); // already suspended: no role moves
      await ledger.connect(operator).revokeSource(sourceId, 3);
      const to = await ledger.runner!.provider!.getBlockNumber();

      const logs = [
        ...(await ledger.queryFilter(ledger.filters.RoleGranted(sourceRole), from + 1, to)),
        ...(await ledger.queryFilter(ledger.filters.RoleRevoked(sourceRole), from + 1, to)),
      ].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
      const keys = [sourceKey, second, rotated, third].map((signer) => signer.address);
      const replayed = new Map(keys.map((key) => [key, key === sourceKey.address]));
      for (let block = from + 1; block <= to; block++) {
        for (const log of logs.filter((l) => l.blockNumber === block)) {
          const granted = log.eventName === "RoleGranted";
          expect(replayed.get(log.args.account), `redundant ${log.eventName}`).to.not.equal(
            granted,
          );
          replayed.set(log.args.account, granted);
        }
        for (const key of keys) {
          expect(
            await ledger.hasRole(sourceRole, key, { blockTag: block }),
            `${key} at ${block}`,
          ).to.equal(replayed.get(key));
        }
      }
      expect(logs.map((l) => `${l.eventName} ${l.args.account}`)).to.deep.equal([
        `RoleGranted ${second.address}`,
        `RoleRevoked ${sourceKey.address}`,
        `RoleGranted ${rotated.address}`,
        `RoleRevoked ${second.address}`,
        `RoleGranted ${third.address}`,
        `RoleRevoked ${third.address}`,
        `RoleRevoked ${rotated.address}`,
      ]);
    });

    it("lets any holder renounce an ordinary role", async function () {
      const { ledger, supervisor } = await networkHelpers.loadFixture(deployLedger);
      const supervisorRole = await ledger.SUPERVISOR_ROLE();

      await ledger.connect(supervisor).renounceRole(supervisorRole, supervisor.address);
      expect(await ledger.hasRole(supervisorRole, supervisor.address)).to.equal(false);
      await expect(ledger.connect(supervisor).pause())
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(supervisor.address, await ledger.OPERATOR_ROLE());
    });
  });

  describe("default admin", function () {
    it("is one account, moved by no one-step grant or revocation", async function () {
      const { ledger, admin, operator } = await networkHelpers.loadFixture(deployLedger);

      expect(await ledger.defaultAdmin()).to.equal(admin.address);
      expect(await ledger.defaultAdminDelay()).to.equal(ADMIN_DELAY);
      await expect(
        ledger.connect(admin).grantRole(ZeroHash, operator.address),
      ).to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminRules");
      await expect(
        ledger.connect(admin).revokeRole(ZeroHash, admin.address),
      ).to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminRules");
      expect(await ledger.hasRole(ZeroHash, operator.address)).to.equal(false);
      expect(await ledger.hasRole(ZeroHash, admin.address)).to.equal(true);
    });

    it("moves only once the delay has passed, and only when the new admin accepts", async function () {
      const { ledger, admin, supervisor, stranger } =
        await networkHelpers.loadFixture(deployLedger);
      const successor = stranger;

      await ledger.connect(admin).beginDefaultAdminTransfer(successor.address);
      const [, schedule] = await ledger.pendingDefaultAdmin();
      expect(schedule).to.equal(BigInt(await time.latest()) + BigInt(ADMIN_DELAY));

      await time.setNextBlockTimestamp(schedule);
      await expect(ledger.connect(successor).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      for (const other of [admin, supervisor]) {
        await expect(ledger.connect(other).acceptDefaultAdminTransfer())
          .to.be.revertedWithCustomError(ledger, "AccessControlInvalidDefaultAdmin")
          .withArgs(other.address);
      }
      expect(await ledger.defaultAdmin()).to.equal(admin.address);

      await time.increaseTo(schedule + 1n);
      await expect(ledger.connect(successor).acceptDefaultAdminTransfer())
        .to.emit(ledger, "RoleGranted")
        .withArgs(ZeroHash, successor.address, successor.address);
      expect(await ledger.defaultAdmin()).to.equal(successor.address);
      expect(await ledger.hasRole(ZeroHash, admin.address)).to.equal(false);
    });

    it("is renounced only through a scheduled transfer to the zero address", async function () {
      const { ledger, admin } = await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(admin).renounceRole(ZeroHash, admin.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(0);

      await ledger.connect(admin).beginDefaultAdminTransfer(ZeroAddress);
      const [, schedule] = await ledger.pendingDefaultAdmin();
      await time.setNextBlockTimestamp(schedule);
      await expect(ledger.connect(admin).renounceRole(ZeroHash, admin.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);

      await time.increaseTo(schedule + 1n);
      await expect(ledger.connect(admin).renounceRole(ZeroHash, admin.address))
        .to.emit(ledger, "RoleRevoked")
        .withArgs(ZeroHash, admin.address, admin.address);
      expect(await ledger.defaultAdmin()).to.equal(ZeroAddress);
    });
  });

  describe("pause", function () {
    it("can be pulled by an operator or a supervisor", async function () {
      const { ledger, operator, supervisor } = await networkHelpers.loadFixture(deployLedger);

      for (const caller of [operator, supervisor]) {
        await expect(ledger.connect(caller).pause())
          .to.emit(ledger, "Paused")
          .withArgs(caller.address);
        expect(await ledger.paused()).to.equal(true);
        await ledger.connect(operator).unpause();
      }
    });

    it("cannot be pulled by anyone else", async function () {
      const { ledger, admin, gateway, user, sourceKey, sourceOwner, stranger } =
        await networkHelpers.loadFixture(deployLedger);

      for (const caller of [admin, gateway, user, sourceKey, sourceOwner, stranger]) {
        await expect(ledger.connect(caller).pause())
          .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await ledger.OPERATOR_ROLE());
      }
      expect(await ledger.paused()).to.equal(false);
    });

    it("is lifted by operators only, not by the supervisor who pulled it", async function () {
      const { ledger, admin, operator, supervisor } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(supervisor).pause();

      for (const caller of [supervisor, admin]) {
        await expect(ledger.connect(caller).unpause())
          .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await ledger.OPERATOR_ROLE());
      }
      await expect(ledger.connect(operator).unpause())
        .to.emit(ledger, "Unpaused")
        .withArgs(operator.address);
      expect(await ledger.paused()).to.equal(false);
    });

    it("cannot be pulled twice nor lifted when not pulled", async function () {
      const { ledger, operator, supervisor } = await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(operator).unpause()).to.be.revertedWithCustomError(
        ledger,
        "ExpectedPause",
      );
      await ledger.connect(operator).pause();
      await expect(ledger.connect(supervisor).pause()).to.be.revertedWithCustomError(
        ledger,
        "EnforcedPause",
      );
    });

    describe("while paused", function () {
      /** An anchored record, a ready relayed submission and a data block holding a forged operation. */
      async function pausedLedger(connection: Parameters<typeof deployLedger>[0]) {
        const f: LedgerFixture = await deployLedger(connection);
        const deadline = BigInt(await connection.networkHelpers.time.latest()) + 3600n;
        const anchored = makeRecord("anchored", f.formatId);
        await f.ledger.connect(f.sourceKey).submitRecord(anchored);
        const anchoredId = recordIdOf(f.sourceKey, anchored);
        const relayed = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("relayed", f.formatId),
          deadline,
        );
        const forged = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("forged", f.formatId),
          deadline,
          {
            source: f.sourceKey.address,
          },
        );
        const dataBlock = buildDataBlock(f.gateway.address, [forged, relayed]);
        await f.ledger
          .connect(f.gateway)
          .submitDataBlock(dataBlock.root, 2, 1_700_000_000n, 1_700_000_000n, "");
        await f.ledger.connect(f.supervisor).pause();
        return { ...f, anchoredId, relayed, dataBlock };
      }

      it("blocks every submission path", async function () {
        const { ledger, sourceKey, stranger, gateway, formatId, anchoredId, relayed } =
          await networkHelpers.loadFixture(pausedLedger);

        const attempts = [
          () => ledger.connect(sourceKey).submitRecord(makeRecord("direct", formatId)),
          () =>
            ledger
              .connect(stranger)
              .submitRecordBySig(
                relayed.source,
                relayed.record,
                relayed.deadline,
                relayed.signature,
              ),
          () => ledger.connect(sourceKey).updateRecord(anchoredId, makeRecord("v2", formatId)),
          () => ledger.connect(gateway).submitDataBlock(id("another root"), 1, 1, 1, ""),
        ];
        for (const attempt of attempts) {
          await expect(attempt()).to.be.revertedWithCustomError(ledger, "EnforcedPause");
        }
      });

      it("still lets records be revoked", async function () {
        const { ledger, sourceKey, anchoredId } = await networkHelpers.loadFixture(pausedLedger);

        await expect(ledger.connect(sourceKey).revokeRecord(anchoredId, 3)).to.emit(
          ledger,
          "RecordRevoked",
        );
        expect((await ledger.getRecord(anchoredId)).status).to.equal(RecordStatus.Revoked);
      });

      it("still lets data blocks be challenged: the forged operation is struck, its neighbour stands", async function () {
        const { ledger, judge, stranger, sourceKey, dataBlock } =
          await networkHelpers.loadFixture(pausedLedger);

        await expect(
          judge
            .connect(stranger)
            .challenge(dataBlock.blockId, dataBlock.operations[0], 0, dataBlock.proof(0)),
        )
          .to.emit(ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.blockId,
            stranger.address,
            dataBlock.leaf(0),
            sourceKey.address,
            DisputeReason.InvalidSignature,
          );
        expect((await ledger.getDataBlock(dataBlock.blockId)).status).to.equal(
          DataBlockStatus.Disputed,
        );
        expect(await ledger.isOperationDisputed(dataBlock.blockId, dataBlock.leaf(0))).to.equal(
          true,
        );
        expect(
          await judge.verifyInclusion(
            dataBlock.blockId,
            dataBlock.operations[1],
            1,
            dataBlock.proof(1),
          ),
        ).to.equal(true);
      });

      it("still lets operators suspend a source", async function () {
        const { ledger, operator, sourceKey, sourceId } =
          await networkHelpers.loadFixture(pausedLedger);

        await ledger.connect(operator).suspendSource(sourceId, 1);
        expect(await ledger.isActiveSource(sourceKey.address)).to.equal(false);
      });

      it("resumes every submission path once lifted", async function () {
        const { ledger, sourceKey, stranger, operator, gateway, formatId, anchoredId, relayed } =
          await networkHelpers.loadFixture(pausedLedger);
        await ledger.connect(operator).unpause();

        await expect(
          ledger.connect(sourceKey).submitRecord(makeRecord("direct", formatId)),
        ).to.emit(ledger, "RecordAnchored");
        await expect(
          ledger
            .connect(stranger)
            .submitRecordBySig(relayed.source, relayed.record, relayed.deadline, relayed.signature),
        ).to.emit(ledger, "RecordAnchored");
        await expect(
          ledger.connect(sourceKey).updateRecord(anchoredId, makeRecord("v2", formatId)),
        ).to.emit(ledger, "RecordUpdated");
        await expect(
          ledger.connect(gateway).submitDataBlock(id("another root"), 1, 1, 1, ""),
        ).to.emit(ledger, "DataBlockAnchored");
      });
    });
  });
});
