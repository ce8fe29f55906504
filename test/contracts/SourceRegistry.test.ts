import { expect } from "chai";
import { ZeroAddress, id, type ContractTransactionResponse } from "ethers";
import { network } from "hardhat";

import type { DataLedger } from "../../types/ethers-contracts/index.js";
import { SOURCE_KEY_TYPES, sourceKeyDigest } from "../../offchain/chain/sourceKeyTyping.js";
import {
  deployLedger,
  recordIdOf,
  SOURCE_METADATA_HASH,
  type LedgerFixture,
} from "../fixtures/deployLedger.js";
import { SourceStatus } from "../helpers/enums.js";
import { makeRecord } from "../helpers/makeRecord.js";
import { keyProof } from "../helpers/keyProof.js";
import { recordDomain } from "../helpers/signRecord.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

/** The SDK's `SourceKey` field list, mutable for ethers. */
const SOURCE_KEY_FIELDS = SOURCE_KEY_TYPES.SourceKey.map((f) => ({ ...f }));

describe("SourceRegistry", function () {
  describe("registerSource", function () {
    it("registers an active source bound to its key", async function () {
      const { ledger, operator, sourceOwner, spare, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const key = spare[0];
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);

      const tx = ledger
        .connect(operator)
        .registerSource(
          key.address,
          sourceOwner.address,
          id("m2"),
          "ipfs://s2",
          [formatId],
          await keyProof(ledger, key, sourceOwner.address),
        );
      await expect(tx)
        .to.emit(ledger, "SourceRegistered")
        .withArgs(2n, key.address, sourceOwner.address, id("m2"), "ipfs://s2");
      await expect(tx).to.emit(ledger, "SourceFormatSet").withArgs(2n, formatId, true);

      const source = await ledger.getSource(2n);
      expect(source.signer).to.equal(key.address);
      expect(source.owner).to.equal(sourceOwner.address);
      expect(source.status).to.equal(SourceStatus.Active);
      expect(source.registeredAt).to.equal(at);
      expect(source.metadataHash).to.equal(id("m2"));
      expect(source.metadataURI).to.equal("ipfs://s2");
      expect(source.epoch).to.equal(0n);
      await expect(tx).to.not.emit(ledger, "SourceEpochChanged");
      expect(await ledger.sourceCount()).to.equal(2n);
      expect(await ledger.sourceIdOf(key.address)).to.equal(2n);
      expect(await ledger.isActiveSource(key.address)).to.equal(true);
      expect(await ledger.hasRole(await ledger.SOURCE_ROLE(), key.address)).to.equal(true);
      expect(await ledger.isFormatAllowed(2n, formatId)).to.equal(true);
    });

    it("returns the new id", async function () {
      const { ledger, operator, sourceOwner, spare } =
        await networkHelpers.loadFixture(deployLedger);

      expect(
        await ledger
          .connect(operator)
          .registerSource.staticCall(
            spare[0].address,
            sourceOwner.address,
            id("m"),
            "",
            [],
            await keyProof(ledger, spare[0], sourceOwner),
          ),
      ).to.equal(2n);
    });

    it("reports the fixture's source as registered", async function () {
      const { ledger, sourceKey, sourceOwner } = await networkHelpers.loadFixture(deployLedger);

      const source = await ledger.getSource(1n);
      expect(source.signer).to.equal(sourceKey.address);
      expect(source.owner).to.equal(sourceOwner.address);
      expect(source.metadataHash).to.equal(SOURCE_METADATA_HASH);
      expect(await ledger.sourceIdOf(sourceOwner.address)).to.equal(0n);
      expect((await ledger.getSource(99n)).status).to.equal(SourceStatus.None);
    });

    it("rejects a zero owner or a zero key", async function () {
      const { ledger, operator, sourceOwner, spare } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(operator)
          .registerSource(
            spare[0].address,
            ZeroAddress,
            id("m"),
            "",
            [],
            await keyProof(ledger, spare[0], ZeroAddress),
          ),
      ).to.be.revertedWithCustomError(ledger, "SourceRegistryZeroAddress");
      await expect(
        ledger
          .connect(operator)
          .registerSource(ZeroAddress, sourceOwner.address, id("m"), "", [], "0x"),
      ).to.be.revertedWithCustomError(ledger, "SourceRegistryZeroAddress");
    });

    it("never binds a key twice, not even one rotated away", async function () {
      const { ledger, operator, sourceKey, sourceOwner, spare, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(operator)
          .registerSource(
            sourceKey.address,
            sourceOwner.address,
            id("m"),
            "",
            [],
            await keyProof(ledger, sourceKey, sourceOwner.address),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryKeyAlreadyBound")
        .withArgs(sourceKey.address, sourceId);

      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(sourceId, spare[0].address, await keyProof(ledger, spare[0], sourceOwner));
      await expect(
        ledger
          .connect(operator)
          .registerSource(
            sourceKey.address,
            sourceOwner.address,
            id("m"),
            "",
            [],
            await keyProof(ledger, sourceKey, sourceOwner.address),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryKeyAlreadyBound")
        .withArgs(sourceKey.address, sourceId);
    });

    it("rejects unknown and deprecated formats", async function () {
      const { ledger, operator, sourceOwner, spare, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(operator)
          .registerSource(
            spare[0].address,
            sourceOwner.address,
            id("m"),
            "",
            [id("x")],
            await keyProof(ledger, spare[0], sourceOwner.address),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "FormatRegistryUnknownFormat")
        .withArgs(id("x"));
      await ledger.connect(operator).deprecateFormat(otherFormatId);
      await expect(
        ledger
          .connect(operator)
          .registerSource(
            spare[0].address,
            sourceOwner.address,
            id("m"),
            "",
            [otherFormatId],
            await keyProof(ledger, spare[0], sourceOwner.address),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDeprecatedFormat")
        .withArgs(otherFormatId);
    });

    it("is for operators only", async function () {
      const { ledger, admin, sourceOwner, spare } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(admin)
          .registerSource(
            spare[0].address,
            sourceOwner.address,
            id("m"),
            "",
            [],
            await keyProof(ledger, spare[0], sourceOwner.address),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, await ledger.OPERATOR_ROLE());
    });
  });

  describe("setSourceFormats", function () {
    it("allows and disallows formats, which gates submissions", async function () {
      const { ledger, operator, sourceKey, otherFormatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], true))
        .to.emit(ledger, "SourceFormatSet")
        .withArgs(sourceId, otherFormatId, true);
      expect(await ledger.isFormatAllowed(sourceId, otherFormatId)).to.equal(true);
      await ledger.connect(sourceKey).submitRecord(makeRecord("a", otherFormatId));

      await expect(ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], false))
        .to.emit(ledger, "SourceFormatSet")
        .withArgs(sourceId, otherFormatId, false);
      expect(await ledger.isFormatAllowed(sourceId, otherFormatId)).to.equal(false);
      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("b", otherFormatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryFormatNotAllowed")
        .withArgs(sourceId, otherFormatId);
    });

    it("disallows a deprecated format but will not allow one", async function () {
      const { ledger, operator, formatId, otherFormatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).deprecateFormat(formatId);
      await ledger.connect(operator).deprecateFormat(otherFormatId);

      await ledger.connect(operator).setSourceFormats(sourceId, [formatId], false);
      expect(await ledger.isFormatAllowed(sourceId, formatId)).to.equal(false);
      await expect(ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], true))
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDeprecatedFormat")
        .withArgs(otherFormatId);
    });

    it("rejects unknown formats either way and unknown sources", async function () {
      const { ledger, operator, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      for (const allowed of [true, false]) {
        await expect(ledger.connect(operator).setSourceFormats(sourceId, [id("x")], allowed))
          .to.be.revertedWithCustomError(ledger, "FormatRegistryUnknownFormat")
          .withArgs(id("x"));
      }
      await expect(ledger.connect(operator).setSourceFormats(99n, [formatId], true))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryUnknownSource")
        .withArgs(99n);
    });
  });

  describe("status lifecycle", function () {
    it("suspends an active source: its key loses SOURCE_ROLE", async function () {
      const { ledger, operator, sourceKey, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(operator).suspendSource(sourceId, 12))
        .to.emit(ledger, "SourceStatusChanged")
        .withArgs(sourceId, SourceStatus.Suspended, 12);
      expect((await ledger.getSource(sourceId)).status).to.equal(SourceStatus.Suspended);
      expect(await ledger.isActiveSource(sourceKey.address)).to.equal(false);
      expect(await ledger.hasRole(await ledger.SOURCE_ROLE(), sourceKey.address)).to.equal(false);
    });

    it("reactivates a suspended source only", async function () {
      const { ledger, operator, sourceKey, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(operator).reactivateSource(sourceId))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInvalidStatus")
        .withArgs(sourceId, SourceStatus.Active);
      await ledger.connect(operator).suspendSource(sourceId, 0);
      await expect(ledger.connect(operator).reactivateSource(sourceId))
        .to.emit(ledger, "SourceStatusChanged")
        .withArgs(sourceId, SourceStatus.Active, 0);
      expect(await ledger.isActiveSource(sourceKey.address)).to.equal(true);
    });

    it("suspends an active source only", async function () {
      const { ledger, operator, sourceId } = await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).suspendSource(sourceId, 0);

      await expect(ledger.connect(operator).suspendSource(sourceId, 0))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInvalidStatus")
        .withArgs(sourceId, SourceStatus.Suspended);
    });

    it("revokes from active or suspended, and revocation is final", async function () {
      const { ledger, operator, sourceKey, sourceOwner, spare, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger
        .connect(operator)
        .registerSource(
          spare[0].address,
          sourceOwner.address,
          id("m"),
          "",
          [formatId],
          await keyProof(ledger, spare[0], sourceOwner.address),
        );
      await ledger.connect(operator).suspendSource(2n, 0);

      await expect(ledger.connect(operator).revokeSource(sourceId, 7))
        .to.emit(ledger, "SourceStatusChanged")
        .withArgs(sourceId, SourceStatus.Revoked, 7);
      await expect(ledger.connect(operator).revokeSource(2n, 8))
        .to.emit(ledger, "SourceStatusChanged")
        .withArgs(2n, SourceStatus.Revoked, 8);
      expect(await ledger.isActiveSource(sourceKey.address)).to.equal(false);

      for (const action of [
        () => ledger.connect(operator).revokeSource(sourceId, 0),
        () => ledger.connect(operator).reactivateSource(sourceId),
        () => ledger.connect(operator).suspendSource(sourceId, 0),
        async () =>
          ledger
            .connect(sourceOwner)
            .rotateSourceKey(
              sourceId,
              spare[1].address,
              await keyProof(ledger, spare[1], sourceOwner),
            ),
      ]) {
        await expect(action())
          .to.be.revertedWithCustomError(ledger, "SourceRegistryInvalidStatus")
          .withArgs(sourceId, SourceStatus.Revoked);
      }
    });

    it("rejects unknown sources", async function () {
      const { ledger, sourceOwner, operator, spare } =
        await networkHelpers.loadFixture(deployLedger);

      for (const action of [
        () => ledger.connect(operator).suspendSource(99n, 0),
        () => ledger.connect(operator).reactivateSource(99n),
        () => ledger.connect(operator).revokeSource(99n, 0),
        async () =>
          ledger
            .connect(operator)
            .rotateSourceKey(99n, spare[0].address, await keyProof(ledger, spare[0], sourceOwner)),
      ]) {
        await expect(action())
          .to.be.revertedWithCustomError(ledger, "SourceRegistryUnknownSource")
          .withArgs(99n);
      }
    });
  });

  describe("rotateSourceKey", function () {
    it("lets the owner replace the key: the new key submits, the old one cannot", async function () {
      const { ledger, sourceKey, sourceOwner, spare, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const newKey = spare[0];

      await expect(
        ledger
          .connect(sourceOwner)
          .rotateSourceKey(sourceId, newKey.address, await keyProof(ledger, newKey, sourceOwner)),
      )
        .to.emit(ledger, "SourceKeyRotated")
        .withArgs(sourceId, sourceKey.address, newKey.address);

      expect((await ledger.getSource(sourceId)).signer).to.equal(newKey.address);
      expect(await ledger.sourceIdOf(newKey.address)).to.equal(sourceId);
      // The old key stays attributable to the source but no longer authenticates.
      expect(await ledger.sourceIdOf(sourceKey.address)).to.equal(sourceId);
      expect(await ledger.isActiveSource(sourceKey.address)).to.equal(false);
      expect(await ledger.isActiveSource(newKey.address)).to.equal(true);
      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("old", formatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
        .withArgs(sourceKey.address);
      await expect(ledger.connect(newKey).submitRecord(makeRecord("new", formatId)))
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          recordIdOf(newKey, makeRecord("new", formatId)),
          id("data:new"),
          sourceId,
          formatId,
          newKey.address,
          id("metadata:new"),
          1_700_000_000n,
          "ipfs://new",
        );
    });

    it("lets an operator rotate", async function () {
      const { ledger, sourceOwner, operator, sourceKey, spare, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(operator)
          .rotateSourceKey(
            sourceId,
            spare[0].address,
            await keyProof(ledger, spare[0], sourceOwner),
          ),
      )
        .to.emit(ledger, "SourceKeyRotated")
        .withArgs(sourceId, sourceKey.address, spare[0].address);
    });

    it("refuses the source key itself and strangers", async function () {
      const { ledger, sourceOwner, sourceKey, stranger, gateway, spare, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      for (const caller of [sourceKey, stranger, gateway]) {
        await expect(
          ledger
            .connect(caller)
            .rotateSourceKey(
              sourceId,
              spare[0].address,
              await keyProof(ledger, spare[0], sourceOwner),
            ),
        )
          .to.be.revertedWithCustomError(ledger, "SourceRegistryUnauthorized")
          .withArgs(caller.address, sourceId);
      }
    });

    it("rejects a zero key or a bound key", async function () {
      const { ledger, operator, sourceOwner, sourceKey, spare, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger
        .connect(operator)
        .registerSource(
          spare[0].address,
          sourceOwner.address,
          id("m"),
          "",
          [formatId],
          await keyProof(ledger, spare[0], sourceOwner.address),
        );

      await expect(
        ledger.connect(sourceOwner).rotateSourceKey(sourceId, ZeroAddress, "0x"),
      ).to.be.revertedWithCustomError(ledger, "SourceRegistryZeroAddress");
      await expect(
        ledger
          .connect(sourceOwner)
          .rotateSourceKey(
            sourceId,
            spare[0].address,
            await keyProof(ledger, spare[0], sourceOwner),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryKeyAlreadyBound")
        .withArgs(spare[0].address, 2n);
      await expect(
        ledger
          .connect(sourceOwner)
          .rotateSourceKey(
            sourceId,
            sourceKey.address,
            await keyProof(ledger, sourceKey, sourceOwner),
          ),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryKeyAlreadyBound")
        .withArgs(sourceKey.address, sourceId);
    });

    it("carries a suspension over to the new key until reactivation", async function () {
      const { ledger, operator, sourceOwner, spare, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).suspendSource(sourceId, 0);

      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(sourceId, spare[0].address, await keyProof(ledger, spare[0], sourceOwner));
      expect(await ledger.isActiveSource(spare[0].address)).to.equal(false);

      await ledger.connect(operator).reactivateSource(sourceId);
      expect(await ledger.isActiveSource(spare[0].address)).to.equal(true);
    });
  });

  describe("wasSourceActiveAt", function () {
    it("answers from the source's status and key history", async function () {
      const { ledger, operator, sourceOwner, stranger, spare, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const oldKey = spare[0].address;
      const newKey = spare[1].address;
      const t0 = (await time.latest()) + 100;
      const [tRegistered, tSuspended, tReactivated, tRotated, tRevoked] = [
        t0,
        t0 + 100,
        t0 + 200,
        t0 + 300,
        t0 + 400,
      ];

      await time.setNextBlockTimestamp(tRegistered);
      await ledger
        .connect(operator)
        .registerSource(
          oldKey,
          sourceOwner.address,
          id("m"),
          "",
          [formatId],
          await keyProof(ledger, spare[0], sourceOwner),
        );
      await time.setNextBlockTimestamp(tSuspended);
      await ledger.connect(operator).suspendSource(2n, 0);
      await time.setNextBlockTimestamp(tReactivated);
      await ledger.connect(operator).reactivateSource(2n);
      await time.setNextBlockTimestamp(tRotated);
      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(2n, newKey, await keyProof(ledger, spare[1], sourceOwner));
      await time.setNextBlockTimestamp(tRevoked);
      await ledger.connect(operator).revokeSource(2n, 0);

      const expectations: [string, number, boolean][] = [
        [oldKey, tRegistered - 1, false],
        [oldKey, tRegistered, true],
        [oldKey, tSuspended - 1, true],
        // A change's own second has no order against a block of that second: a block anchored
        // in it may still count the key as active (it was at the end of the second before).
        [oldKey, tSuspended, true],
        [oldKey, tSuspended + 1, false],
        [oldKey, tReactivated - 1, false],
        [oldKey, tReactivated, true],
        [oldKey, tRotated - 1, true],
        // Unbound in that second still counts as bound.
        [oldKey, tRotated, true],
        [oldKey, tRotated + 1, false],
        [oldKey, tRevoked + 1000, false],
        [newKey, tRotated - 1, false],
        [newKey, tRotated, true],
        [newKey, tRevoked - 1, true],
        [newKey, tRevoked, true],
        [newKey, tRevoked + 1, false],
        [newKey, tRevoked + 1000, false],
        [stranger.address, tReactivated, false],
      ];
      for (const [key, at, active] of expectations) {
        expect(
          await ledger.wasSourceActiveAt(key, at),
          `${key === oldKey ? "old" : "new"} key at t0+${at - t0}`,
        ).to.equal(active);
      }
    });
  });

  describe("signing epoch", function () {
    /** The SourceEpochChanged events of a mined transaction, as [sourceId, epoch]. */
    async function epochChanges(
      ledger: DataLedger,
      tx: Promise<ContractTransactionResponse>,
    ): Promise<[bigint, bigint][]> {
      const receipt = await (await tx).wait();
      return receipt!.logs
        .map((log) => ledger.interface.parseLog(log))
        .filter((event) => event?.name === "SourceEpochChanged")
        .map((event) => [event!.args.sourceId as bigint, event!.args.epoch as bigint]);
    }

    it("moves on by one at every suspension, rotation, reactivation and revocation, each with one SourceEpochChanged", async function () {
      const { ledger, operator, sourceOwner, spare, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      expect((await ledger.getSource(sourceId)).epoch).to.equal(0n);

      const changes: [string, () => Promise<ContractTransactionResponse>][] = [
        ["suspension", () => ledger.connect(operator).suspendSource(sourceId, 4)],
        [
          "rotation while suspended",
          async () =>
            ledger
              .connect(sourceOwner)
              .rotateSourceKey(
                sourceId,
                spare[0].address,
                await keyProof(ledger, spare[0], sourceOwner),
              ),
        ],
        ["reactivation", () => ledger.connect(operator).reactivateSource(sourceId)],
        [
          "rotation",
          async () =>
            ledger
              .connect(operator)
              .rotateSourceKey(
                sourceId,
                spare[1].address,
                await keyProof(ledger, spare[1], sourceOwner),
              ),
        ],
        ["revocation", () => ledger.connect(operator).revokeSource(sourceId, 9)],
      ];
      for (const [i, [label, change]] of changes.entries()) {
        const epoch = BigInt(i + 1);
        expect(await epochChanges(ledger, change()), label).to.deep.equal([[sourceId, epoch]]);
        expect((await ledger.getSource(sourceId)).epoch, label).to.equal(epoch);
      }
    });

    it("is the source's own: format permissions, pauses, refused changes and other sources leave it", async function () {
      const { ledger, operator, supervisor, sourceOwner, spare, sourceId, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger
        .connect(operator)
        .registerSource(
          spare[0].address,
          sourceOwner.address,
          id("m"),
          "",
          [],
          await keyProof(ledger, spare[0], sourceOwner.address),
        );

      await expect(
        ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], true),
      ).to.not.emit(ledger, "SourceEpochChanged");
      await ledger.connect(supervisor).pause();
      await ledger.connect(operator).unpause();
      await expect(
        ledger.connect(operator).reactivateSource(sourceId),
      ).to.be.revertedWithCustomError(ledger, "SourceRegistryInvalidStatus");
      expect(
        await epochChanges(ledger, ledger.connect(operator).suspendSource(2n, 0)),
      ).to.deep.equal([[2n, 1n]]);

      expect((await ledger.getSource(sourceId)).epoch).to.equal(0n);
      expect((await ledger.getSource(2n)).epoch).to.equal(1n);
      expect((await ledger.getSource(99n)).epoch).to.equal(0n);
    });
  });

  describe("wasSourceEpochAt", function () {
    it("answers from the source's epoch history, by the same same-second rule", async function () {
      const { ledger, operator, sourceOwner, spare, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const t0 = (await time.latest()) + 100;
      const [tRegistered, tSuspended, tReactivated, tRotated, tRevoked] = [
        t0,
        t0 + 100,
        t0 + 200,
        t0 + 300,
        t0 + 400,
      ];

      await time.setNextBlockTimestamp(tRegistered);
      await ledger
        .connect(operator)
        .registerSource(
          spare[0].address,
          sourceOwner.address,
          id("m"),
          "",
          [formatId],
          await keyProof(ledger, spare[0], sourceOwner.address),
        );
      await time.setNextBlockTimestamp(tSuspended);
      await ledger.connect(operator).suspendSource(2n, 0);
      await time.setNextBlockTimestamp(tReactivated);
      await ledger.connect(operator).reactivateSource(2n);
      await time.setNextBlockTimestamp(tRotated);
      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(2n, spare[1].address, await keyProof(ledger, spare[1], sourceOwner));
      await time.setNextBlockTimestamp(tRevoked);
      await ledger.connect(operator).revokeSource(2n, 0);

      const expectations: [number, number, boolean][] = [
        // No epoch, not even 0, before registration.
        [0, tRegistered - 1, false],
        [0, tRegistered, true],
        [0, tSuspended - 1, true],
        // A change's own second counts both the epoch it ends and the one it starts.
        [0, tSuspended, true],
        [0, tSuspended + 1, false],
        [1, tSuspended - 1, false],
        [1, tSuspended, true],
        [1, tReactivated, true],
        [1, tReactivated + 1, false],
        [2, tReactivated, true],
        [2, tRotated, true],
        [2, tRotated + 1, false],
        [3, tRotated, true],
        [3, tRevoked, true],
        [3, tRevoked + 1, false],
        // The epoch only: a revoked source's last epoch stays its epoch.
        [4, tRevoked - 1, false],
        [4, tRevoked, true],
        [4, tRevoked + 1000, true],
        [5, tRevoked + 1000, false],
      ];
      for (const [epoch, at, current] of expectations) {
        expect(
          await ledger.wasSourceEpochAt(2n, epoch, at),
          `epoch ${epoch} at t0+${at - t0}`,
        ).to.equal(current);
      }
      // The fixture's source never left epoch 0; an unknown source never had any.
      expect(await ledger.wasSourceEpochAt(1n, 0, tRevoked)).to.equal(true);
      expect(await ledger.wasSourceEpochAt(1n, 1, tRevoked)).to.equal(false);
      expect(await ledger.wasSourceEpochAt(99n, 0, tRevoked)).to.equal(false);
    });
  });

  describe("wasAllowedFormatAt", function () {
    it("answers from the source's format history, by the same same-second rule", async function () {
      const { ledger, operator, sourceId, formatId, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);
      const t0 = (await time.latest()) + 100;
      const [tAllowed, tDisallowed, tAllowedAgain] = [t0, t0 + 100, t0 + 200];

      await time.setNextBlockTimestamp(tAllowed);
      await ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], true);
      await time.setNextBlockTimestamp(tDisallowed);
      await ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], false);
      await time.setNextBlockTimestamp(tAllowedAgain);
      await ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], true);

      const expectations: [number, boolean][] = [
        [tAllowed - 1, false],
        [tAllowed, true],
        [tDisallowed - 1, true],
        [tDisallowed, true],
        [tDisallowed + 1, false],
        [tAllowedAgain - 1, false],
        [tAllowedAgain, true],
        [tAllowedAgain + 1000, true],
      ];
      for (const [at, allowed] of expectations) {
        expect(
          await ledger.wasAllowedFormatAt(sourceId, otherFormatId, at),
          `at t0+${at - t0}`,
        ).to.equal(allowed);
      }
      // The fixture's format, allowed at registration, stays allowed; unknown sources never were.
      expect(await ledger.wasAllowedFormatAt(sourceId, formatId, tAllowedAgain)).to.equal(true);
      expect(await ledger.wasAllowedFormatAt(sourceId + 1n, formatId, tAllowedAgain)).to.equal(
        false,
      );
      expect(await ledger.wasAllowedFormatAt(sourceId, id("never registered"), t0)).to.equal(false);
    });
  });

  describe("key proof of possession (the review's finding: binding a key needs that key's signature)", function () {
    const register = (f: LedgerFixture, key: string, owner: string, proof: string) =>
      f.ledger.connect(f.operator).registerSource(key, owner, id("m"), "", [f.formatId], proof);

    /** What a refused binding must leave as it was. */
    async function expectNothingBound(f: LedgerFixture, key: string) {
      expect(await f.ledger.sourceIdOf(key)).to.equal(0n);
      expect(await f.ledger.sourceCount()).to.equal(1n);
      expect((await f.ledger.getSource(f.sourceId)).signer).to.equal(f.sourceKey.address);
      expect((await f.ledger.getSource(f.sourceId)).epoch).to.equal(0n);
    }

    it("hashKeyProof is the EIP-712 digest of SourceKey(key, owner) in the ledger's domain", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [key] = f.spare;
      const domain = await recordDomain(f.ledger);
      expect(await f.ledger.hashKeyProof(key.address, f.sourceOwner.address)).to.equal(
        sourceKeyDigest(domain, key.address, f.sourceOwner.address),
      );
    });

    it("binds a key that signed for its owner, by registration and by rotation", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [device, next] = f.spare;
      await expect(
        register(
          f,
          device.address,
          f.sourceOwner.address,
          await keyProof(f.ledger, device, f.sourceOwner),
        ),
      )
        .to.emit(f.ledger, "SourceRegistered")
        .withArgs(2n, device.address, f.sourceOwner.address, id("m"), "");
      await expect(
        f.ledger
          .connect(f.sourceOwner)
          .rotateSourceKey(2n, next.address, await keyProof(f.ledger, next, f.sourceOwner)),
      )
        .to.emit(f.ledger, "SourceKeyRotated")
        .withArgs(2n, device.address, next.address);
    });

    it("registerSource: refuses no proof, a malformed one, another key's, and one made for another owner", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [device, other] = f.spare;
      const forOwner = await keyProof(f.ledger, device, f.sourceOwner);
      const attempts: [string, string][] = [
        ["0x", f.sourceOwner.address],
        [`0x${"00".repeat(65)}`, f.sourceOwner.address],
        [forOwner.slice(0, -2), f.sourceOwner.address], // 64 bytes
        // Another key's proof of itself, and another key signing this key's digest.
        [await keyProof(f.ledger, other, f.sourceOwner), f.sourceOwner.address],
        [
          await other.signTypedData(
            await recordDomain(f.ledger),
            { SourceKey: [...SOURCE_KEY_FIELDS] },
            {
              key: device.address,
              owner: f.sourceOwner.address,
            },
          ),
          f.sourceOwner.address,
        ],
        // Owner B (stranger) front-runs with the proof the device gave owner A.
        [forOwner, f.stranger.address],
      ];
      for (const [proof, owner] of attempts) {
        await expect(register(f, device.address, owner, proof))
          .to.be.revertedWithCustomError(f.ledger, "SourceRegistryInvalidKeyProof")
          .withArgs(device.address);
      }
      await expectNothingBound(f, device.address);
      await expectNothingBound(f, other.address);
      // The honest registration still goes through afterwards.
      await register(f, device.address, f.sourceOwner.address, forOwner);
      expect(await f.ledger.sourceIdOf(device.address)).to.equal(2n);
    });

    it("rotateSourceKey: refuses no proof, another key's, and one naming anyone but the source's owner", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [next, other] = f.spare;
      const attempts: [typeof f.sourceOwner, string][] = [
        [f.sourceOwner, "0x"],
        [f.sourceOwner, await keyProof(f.ledger, other, f.sourceOwner)],
        // The key consented to another owner; an operator rotating does not count as the owner.
        [f.sourceOwner, await keyProof(f.ledger, next, f.stranger)],
        [f.operator, await keyProof(f.ledger, next, f.operator)],
      ];
      for (const [caller, proof] of attempts) {
        await expect(f.ledger.connect(caller).rotateSourceKey(f.sourceId, next.address, proof))
          .to.be.revertedWithCustomError(f.ledger, "SourceRegistryInvalidKeyProof")
          .withArgs(next.address);
      }
      await expectNothingBound(f, next.address);
    });

    it("owner B cannot use, for its own source, a proof a key made for owner A", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [bKey, next] = f.spare;
      await register(
        f,
        bKey.address,
        f.stranger.address,
        await keyProof(f.ledger, bKey, f.stranger),
      );
      const forA = await keyProof(f.ledger, next, f.sourceOwner);
      await expect(f.ledger.connect(f.stranger).rotateSourceKey(2n, next.address, forA))
        .to.be.revertedWithCustomError(f.ledger, "SourceRegistryInvalidKeyProof")
        .withArgs(next.address);
      expect((await f.ledger.getSource(2n)).signer).to.equal(bKey.address);
      await f.ledger.connect(f.sourceOwner).rotateSourceKey(f.sourceId, next.address, forA);
      expect((await f.ledger.getSource(f.sourceId)).signer).to.equal(next.address);
    });

    it("refuses a proof made for another chain or another ledger", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [device] = f.spare;
      const chainId = (await recordDomain(f.ledger)).chainId as bigint;
      const otherChain = await keyProof(f.ledger, device, f.sourceOwner, { chainId: chainId + 1n });
      const otherLedger = await device.signTypedData(
        {
          name: "DataLedger",
          version: "1",
          chainId,
          verifyingContract: await f.judge.getAddress(),
        },
        { SourceKey: [...SOURCE_KEY_FIELDS] },
        { key: device.address, owner: f.sourceOwner.address },
      );
      for (const proof of [otherChain, otherLedger]) {
        await expect(register(f, device.address, f.sourceOwner.address, proof))
          .to.be.revertedWithCustomError(f.ledger, "SourceRegistryInvalidKeyProof")
          .withArgs(device.address);
        await expect(
          f.ledger.connect(f.sourceOwner).rotateSourceKey(f.sourceId, device.address, proof),
        )
          .to.be.revertedWithCustomError(f.ledger, "SourceRegistryInvalidKeyProof")
          .withArgs(device.address);
      }
      await expectNothingBound(f, device.address);
    });

    it("a proof works once: the key it bound is never bound again", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const [device] = f.spare;
      const proof = await keyProof(f.ledger, device, f.sourceOwner);
      await register(f, device.address, f.sourceOwner.address, proof);
      await expect(register(f, device.address, f.sourceOwner.address, proof))
        .to.be.revertedWithCustomError(f.ledger, "SourceRegistryKeyAlreadyBound")
        .withArgs(device.address, 2n);
      await expect(
        f.ledger.connect(f.sourceOwner).rotateSourceKey(f.sourceId, device.address, proof),
      )
        .to.be.revertedWithCustomError(f.ledger, "SourceRegistryKeyAlreadyBound")
        .withArgs(device.address, 2n);
    });
  });
});
