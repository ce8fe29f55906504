import { expect } from "chai";
import { TypedDataEncoder, ZeroHash, id } from "ethers";
import { network } from "hardhat";

import { ADMIN_DELAY, deployLedger, type LedgerFixture } from "../fixtures/deployLedger.js";
import { buildDataBlock, type DataBlock } from "../helpers/buildDataBlock.js";
import { DataBlockStatus, DisputeReason, RecordStatus } from "../helpers/enums.js";
import { makeRecord } from "../helpers/makeRecord.js";
import {
  RECORD_TYPES,
  recordDomain,
  signRecord,
  type SignedOperation,
} from "../helpers/signRecord.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

async function inOneHour(): Promise<bigint> {
  return BigInt(await time.latest()) + 3600n;
}

/** Registers source 2 with `spare[0]` as key, allowed the fixture's format. */
async function registerSecondSource(f: LedgerFixture) {
  const key = f.spare[0];
  await f.ledger
    .connect(f.operator)
    .registerSource(key.address, f.sourceOwner.address, id("source-2"), "ipfs://source-2", [
      f.formatId,
    ]);
  return { key, sourceId: 2n };
}

describe("DataRegistry", function () {
  describe("submitRecord (direct)", function () {
    it("anchors the caller's record and emits RecordAnchored", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("direct", formatId);

      await expect(ledger.connect(sourceKey).submitRecord(record))
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          record.dataHash,
          1n,
          formatId,
          sourceKey.address,
          record.metadataHash,
          record.sampledAt,
          record.uri,
        );
    });

    it("stores the record with the block timestamp as recordedAt", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("timestamped", formatId, { sampledAt: 1_234n });
      const at = (await time.latest()) + 100;
      await time.setNextBlockTimestamp(at);

      await ledger.connect(sourceKey).submitRecord(record);

      const stored = await ledger.getRecord(record.dataHash);
      expect(stored.dataHash).to.equal(record.dataHash);
      expect(stored.sourceId).to.equal(1n);
      expect(stored.formatId).to.equal(formatId);
      expect(stored.sampledAt).to.equal(1_234n);
      expect(stored.recordedAt).to.equal(at);
      expect(stored.status).to.equal(RecordStatus.Active);
      expect(stored.revocationReason).to.equal(0);
      expect(stored.replaces).to.equal(ZeroHash);
      expect(stored.supersededBy).to.equal(ZeroHash);
    });

    it("keeps the format id of a record in a later-registered format", async function () {
      const { ledger, operator, sourceKey, otherFormatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      // The record stores the format's compact index; reading it back must give the second format.
      await ledger.connect(operator).setSourceFormats(sourceId, [otherFormatId], true);
      const record = makeRecord("noise", otherFormatId);

      await ledger.connect(sourceKey).submitRecord(record);

      expect((await ledger.getRecord(record.dataHash)).formatId).to.equal(otherFormatId);
    });

    it("rejects a zero data hash", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(sourceKey)
          .submitRecord(makeRecord("zero", formatId, { dataHash: ZeroHash })),
      ).to.be.revertedWithCustomError(ledger, "DataRegistryZeroDataHash");
    });

    it("rejects a data hash that is already anchored, naming the source that anchored it", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key } = await registerSecondSource(f);
      const record = makeRecord("dup", f.formatId);
      await f.ledger.connect(f.sourceKey).submitRecord(record);

      await expect(f.ledger.connect(key).submitRecord({ ...record, uri: "ipfs://elsewhere" }))
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryDuplicateRecord")
        .withArgs(record.dataHash, 1n);
    });

    it("rejects callers that are not an active source key", async function () {
      const { ledger, operator, gateway, stranger, sourceOwner, formatId } =
        await networkHelpers.loadFixture(deployLedger);

      for (const caller of [operator, gateway, stranger, sourceOwner]) {
        await expect(ledger.connect(caller).submitRecord(makeRecord("nope", formatId)))
          .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
          .withArgs(caller.address);
      }
    });

    it("rejects a suspended source and accepts it again once reactivated", async function () {
      const { ledger, operator, sourceKey, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).suspendSource(sourceId, 1);

      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("s", formatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
        .withArgs(sourceKey.address);

      await ledger.connect(operator).reactivateSource(sourceId);
      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("s", formatId))).to.emit(
        ledger,
        "RecordAnchored",
      );
    });

    it("rejects a revoked source", async function () {
      const { ledger, operator, sourceKey, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).revokeSource(sourceId, 9);

      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("r", formatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
        .withArgs(sourceKey.address);
    });

    it("rejects a format the source is not allowed to use", async function () {
      const { ledger, sourceKey, otherFormatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("f", otherFormatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryFormatNotAllowed")
        .withArgs(sourceId, otherFormatId);
    });

    it("rejects a deprecated format even when the source is allowed it", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).deprecateFormat(formatId);

      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("d", formatId)))
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDeprecatedFormat")
        .withArgs(formatId);
    });
  });

  describe("submitRecordBySig (relayed)", function () {
    it("hashRecord is the EIP-712 digest ethers computes for domain DataLedger/1", async function () {
      const { ledger, formatId } = await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("digest", formatId);
      const deadline = 1_800_000_000n;

      const expected = TypedDataEncoder.hash(await recordDomain(ledger), RECORD_TYPES, {
        ...record,
        deadline,
      });
      expect(await ledger.hashRecord(record, deadline)).to.equal(expected);

      const domain = await ledger.eip712Domain();
      expect(domain.name).to.equal("DataLedger");
      expect(domain.version).to.equal("1");
      expect(domain.verifyingContract).to.equal(await ledger.getAddress());
    });

    it("anchors a record signed by the source and relayed by anyone", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        sourceKey,
        ledger,
        makeRecord("relayed", formatId),
        await inOneHour(),
      );

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          op.record.dataHash,
          1n,
          formatId,
          sourceKey.address,
          op.record.metadataHash,
          op.record.sampledAt,
          op.record.uri,
        );
      expect((await ledger.getRecord(op.record.dataHash)).status).to.equal(RecordStatus.Active);
    });

    it("accepts a signature in the very second of its deadline", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const deadline = await inOneHour();
      const op = await signRecord(sourceKey, ledger, makeRecord("last-second", formatId), deadline);
      await time.setNextBlockTimestamp(deadline);

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      ).to.emit(ledger, "RecordAnchored");
    });

    it("rejects an expired signature", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const deadline = await inOneHour();
      const op = await signRecord(sourceKey, ledger, makeRecord("late", formatId), deadline);
      await time.increaseTo(deadline + 1n);

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryExpiredSignature")
        .withArgs(deadline);
    });

    it("rejects a signature by another key than the claimed source", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        stranger,
        ledger,
        makeRecord("forged", formatId),
        await inOneHour(),
        {
          source: sourceKey.address,
        },
      );

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidSignature")
        .withArgs(sourceKey.address);
    });

    it("rejects a record altered after signing", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        sourceKey,
        ledger,
        makeRecord("signed", formatId),
        await inOneHour(),
      );

      await expect(
        ledger
          .connect(stranger)
          .submitRecordBySig(
            op.source,
            { ...op.record, uri: "ipfs://swapped" },
            op.deadline,
            op.signature,
          ),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidSignature")
        .withArgs(sourceKey.address);
      await expect(
        ledger
          .connect(stranger)
          .submitRecordBySig(op.source, op.record, op.deadline + 1n, op.signature),
      ).to.be.revertedWithCustomError(ledger, "DataRegistryInvalidSignature");
    });

    it("rejects a malformed signature", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("malformed", formatId);

      await expect(
        ledger
          .connect(stranger)
          .submitRecordBySig(sourceKey.address, record, await inOneHour(), "0x1234"),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidSignature")
        .withArgs(sourceKey.address);
    });

    it("rejects a replayed signature as a duplicate record", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        sourceKey,
        ledger,
        makeRecord("once", formatId),
        await inOneHour(),
      );
      await ledger
        .connect(stranger)
        .submitRecordBySig(op.source, op.record, op.deadline, op.signature);

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(op.record.dataHash, 1n);
    });

    it("rejects a signature made for another chain id", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        sourceKey,
        ledger,
        makeRecord("other-chain", formatId),
        await inOneHour(),
        {
          chainId: 1n,
        },
      );

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidSignature")
        .withArgs(sourceKey.address);
    });

    it("rejects a signature made for another ledger where the same key is an active source", async function () {
      const { ledger, admin, operator, sourceKey, sourceOwner, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const other = await ethers.deployContract("DataLedger", [admin.address, ADMIN_DELAY], admin);
      await other.connect(admin).grantRole(await other.OPERATOR_ROLE(), operator.address);
      await other
        .connect(operator)
        .registerFormat(formatId, "air-quality", "1.0.0", "ipfs://schema");
      await other
        .connect(operator)
        .registerSource(sourceKey.address, sourceOwner.address, ZeroHash, "", [formatId]);
      const record = makeRecord("cross-contract", formatId);
      const deadline = await inOneHour();
      const forFirst = await signRecord(sourceKey, ledger, record, deadline);

      await expect(
        other
          .connect(stranger)
          .submitRecordBySig(forFirst.source, record, deadline, forFirst.signature),
      )
        .to.be.revertedWithCustomError(other, "DataRegistryInvalidSignature")
        .withArgs(sourceKey.address);

      // Same key, same record, signed for the second ledger's domain: accepted there.
      const forSecond = await signRecord(sourceKey, other, record, deadline);
      await expect(
        other
          .connect(stranger)
          .submitRecordBySig(forSecond.source, record, deadline, forSecond.signature),
      ).to.emit(other, "RecordAnchored");
    });

    it("rejects a valid signature by a suspended source", async function () {
      const { ledger, operator, sourceKey, stranger, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        sourceKey,
        ledger,
        makeRecord("suspended", formatId),
        await inOneHour(),
      );
      await ledger.connect(operator).suspendSource(sourceId, 3);

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
        .withArgs(sourceKey.address);
    });

    it("rejects a valid signature by a key that is no source", async function () {
      const { ledger, stranger, formatId } = await networkHelpers.loadFixture(deployLedger);
      const op = await signRecord(
        stranger,
        ledger,
        makeRecord("unbound", formatId),
        await inOneHour(),
      );

      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
        .withArgs(stranger.address);
    });
  });

  describe("updateRecord", function () {
    it("lets the source replace its record and links both versions", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const v2 = makeRecord("v2", formatId, { sampledAt: 42n });
      await ledger.connect(sourceKey).submitRecord(v1);

      const tx = ledger.connect(sourceKey).updateRecord(v1.dataHash, v2);
      await expect(tx)
        .to.emit(ledger, "RecordUpdated")
        .withArgs(v1.dataHash, v2.dataHash, sourceKey.address);
      await expect(tx)
        .to.emit(ledger, "RecordAnchored")
        .withArgs(v2.dataHash, 1n, formatId, sourceKey.address, v2.metadataHash, 42n, v2.uri);

      const old = await ledger.getRecord(v1.dataHash);
      expect(old.status).to.equal(RecordStatus.Superseded);
      expect(old.supersededBy).to.equal(v2.dataHash);
      expect(old.replaces).to.equal(ZeroHash);
      const current = await ledger.getRecord(v2.dataHash);
      expect(current.status).to.equal(RecordStatus.Active);
      expect(current.replaces).to.equal(v1.dataHash);
      expect(current.supersededBy).to.equal(ZeroHash);
      expect(current.sourceId).to.equal(1n);
      expect(current.sampledAt).to.equal(42n);
    });

    it("lets an operator update on the source's behalf, still attributing the version to the source", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const v2 = makeRecord("v2", formatId);
      await ledger.connect(sourceKey).submitRecord(v1);

      const tx = ledger.connect(operator).updateRecord(v1.dataHash, v2);
      await expect(tx)
        .to.emit(ledger, "RecordUpdated")
        .withArgs(v1.dataHash, v2.dataHash, operator.address);
      await expect(tx)
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          v2.dataHash,
          1n,
          formatId,
          sourceKey.address,
          v2.metadataHash,
          v2.sampledAt,
          v2.uri,
        );
      expect((await ledger.getRecord(v2.dataHash)).sourceId).to.equal(1n);
    });

    it("keeps a chain of versions walkable in both directions", async function () {
      const { ledger, sourceKey, operator, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const [v1, v2, v3] = ["v1", "v2", "v3"].map((label) => makeRecord(label, formatId));
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).updateRecord(v1.dataHash, v2);
      await ledger.connect(operator).updateRecord(v2.dataHash, v3);

      const middle = await ledger.getRecord(v2.dataHash);
      expect(middle.status).to.equal(RecordStatus.Superseded);
      expect(middle.replaces).to.equal(v1.dataHash);
      expect(middle.supersededBy).to.equal(v3.dataHash);
      expect((await ledger.getRecord(v3.dataHash)).replaces).to.equal(v2.dataHash);
    });

    it("rejects anyone else: the source owner, a stranger, another source", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key: otherSource } = await registerSecondSource(f);
      const v1 = makeRecord("v1", f.formatId);
      await f.ledger.connect(f.sourceKey).submitRecord(v1);

      for (const caller of [
        f.sourceOwner,
        f.stranger,
        otherSource,
        f.gateway,
        f.supervisor,
        f.admin,
      ]) {
        await expect(
          f.ledger.connect(caller).updateRecord(v1.dataHash, makeRecord("v2", f.formatId)),
        )
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnauthorized")
          .withArgs(caller.address, v1.dataHash);
      }
      expect((await f.ledger.getRecord(v1.dataHash)).status).to.equal(RecordStatus.Active);
    });

    it("follows key rotation: the old key loses the right, the new key has it", async function () {
      const { ledger, sourceKey, sourceOwner, spare, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      await ledger.connect(sourceKey).submitRecord(v1);
      const newKey = spare[1];
      await ledger.connect(sourceOwner).rotateSourceKey(sourceId, newKey.address);

      await expect(ledger.connect(sourceKey).updateRecord(v1.dataHash, makeRecord("v2", formatId)))
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
        .withArgs(sourceKey.address, v1.dataHash);
      await expect(ledger.connect(newKey).updateRecord(v1.dataHash, makeRecord("v2", formatId)))
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          id("data:v2"),
          sourceId,
          formatId,
          newKey.address,
          id("metadata:v2"),
          1_700_000_000n,
          "ipfs://v2",
        );
    });

    it("rejects updating a superseded, revoked or unknown record", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const revoked = makeRecord("revoked", formatId);
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).updateRecord(v1.dataHash, makeRecord("v2", formatId));
      await ledger.connect(sourceKey).submitRecord(revoked);
      await ledger.connect(sourceKey).revokeRecord(revoked.dataHash, 1);

      await expect(ledger.connect(sourceKey).updateRecord(v1.dataHash, makeRecord("v3", formatId)))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(v1.dataHash, RecordStatus.Superseded);
      await expect(
        ledger.connect(sourceKey).updateRecord(revoked.dataHash, makeRecord("v4", formatId)),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(revoked.dataHash, RecordStatus.Revoked);
      await expect(
        ledger.connect(sourceKey).updateRecord(id("nothing"), makeRecord("v5", formatId)),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnknownRecord")
        .withArgs(id("nothing"));
    });

    it("rejects a new version whose data hash is already anchored, leaving the old one active", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const taken = makeRecord("taken", formatId);
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).submitRecord(taken);

      await expect(ledger.connect(sourceKey).updateRecord(v1.dataHash, taken))
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(taken.dataHash, 1n);
      await expect(ledger.connect(sourceKey).updateRecord(v1.dataHash, v1))
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(v1.dataHash, 1n);
      const old = await ledger.getRecord(v1.dataHash);
      expect(old.status).to.equal(RecordStatus.Active);
      expect(old.supersededBy).to.equal(ZeroHash);
    });

    it("needs the source to still be active and allowed the new format, even for an operator", async function () {
      const { ledger, operator, sourceKey, formatId, otherFormatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      await ledger.connect(sourceKey).submitRecord(v1);

      await expect(
        ledger.connect(operator).updateRecord(v1.dataHash, makeRecord("v2", otherFormatId)),
      )
        .to.be.revertedWithCustomError(ledger, "SourceRegistryFormatNotAllowed")
        .withArgs(sourceId, otherFormatId);

      await ledger.connect(operator).suspendSource(sourceId, 0);
      await expect(ledger.connect(operator).updateRecord(v1.dataHash, makeRecord("v2", formatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryInactiveSource")
        .withArgs(sourceKey.address);
    });
  });

  describe("revokeRecord", function () {
    it("lets the source revoke with a reason code; the record stays readable", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("to-revoke", formatId, { sampledAt: 77n });
      await ledger.connect(sourceKey).submitRecord(record);
      const before = await ledger.getRecord(record.dataHash);

      await expect(ledger.connect(sourceKey).revokeRecord(record.dataHash, 404))
        .to.emit(ledger, "RecordRevoked")
        .withArgs(record.dataHash, 1n, 404, sourceKey.address);

      const after = await ledger.getRecord(record.dataHash);
      expect(after.status).to.equal(RecordStatus.Revoked);
      expect(after.revocationReason).to.equal(404);
      expect(after.sourceId).to.equal(before.sourceId);
      expect(after.formatId).to.equal(before.formatId);
      expect(after.sampledAt).to.equal(77n);
      expect(after.recordedAt).to.equal(before.recordedAt);
    });

    it("lets an operator revoke", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("to-revoke", formatId);
      await ledger.connect(sourceKey).submitRecord(record);

      await expect(ledger.connect(operator).revokeRecord(record.dataHash, 2))
        .to.emit(ledger, "RecordRevoked")
        .withArgs(record.dataHash, 1n, 2, operator.address);
    });

    it("rejects the source owner, a stranger, another source and a rotated-out key", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key: otherSource } = await registerSecondSource(f);
      const record = makeRecord("keep", f.formatId);
      await f.ledger.connect(f.sourceKey).submitRecord(record);
      await f.ledger.connect(f.sourceOwner).rotateSourceKey(f.sourceId, f.spare[1].address);

      for (const caller of [f.sourceOwner, f.stranger, otherSource, f.sourceKey, f.supervisor]) {
        await expect(f.ledger.connect(caller).revokeRecord(record.dataHash, 1))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnauthorized")
          .withArgs(caller.address, record.dataHash);
      }
      await expect(f.ledger.connect(f.spare[1]).revokeRecord(record.dataHash, 1)).to.emit(
        f.ledger,
        "RecordRevoked",
      );
    });

    it("does not let a suspended source revoke, but an operator still can", async function () {
      const { ledger, operator, sourceKey, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("r", formatId);
      await ledger.connect(sourceKey).submitRecord(record);
      await ledger.connect(operator).suspendSource(sourceId, 0);

      await expect(ledger.connect(sourceKey).revokeRecord(record.dataHash, 1))
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
        .withArgs(sourceKey.address, record.dataHash);
      await expect(ledger.connect(operator).revokeRecord(record.dataHash, 1)).to.emit(
        ledger,
        "RecordRevoked",
      );
    });

    it("is final: no second revocation, no update, no re-anchoring of the same data hash", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("final", formatId);
      await ledger.connect(sourceKey).submitRecord(record);
      await ledger.connect(sourceKey).revokeRecord(record.dataHash, 5);

      await expect(ledger.connect(operator).revokeRecord(record.dataHash, 6))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(record.dataHash, RecordStatus.Revoked);
      await expect(ledger.connect(sourceKey).submitRecord(record))
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(record.dataHash, 1n);
      const stored = await ledger.getRecord(record.dataHash);
      expect(stored.status).to.equal(RecordStatus.Revoked);
      expect(stored.revocationReason).to.equal(5);
    });

    it("leaves version history intact when a later version is revoked; a superseded one cannot be revoked", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const v2 = makeRecord("v2", formatId);
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).updateRecord(v1.dataHash, v2);

      await expect(ledger.connect(sourceKey).revokeRecord(v1.dataHash, 1))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(v1.dataHash, RecordStatus.Superseded);
      await ledger.connect(sourceKey).revokeRecord(v2.dataHash, 1);

      const old = await ledger.getRecord(v1.dataHash);
      expect(old.status).to.equal(RecordStatus.Superseded);
      expect(old.supersededBy).to.equal(v2.dataHash);
      const current = await ledger.getRecord(v2.dataHash);
      expect(current.status).to.equal(RecordStatus.Revoked);
      expect(current.replaces).to.equal(v1.dataHash);
    });

    it("rejects an unknown record", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(operator).revokeRecord(id("nothing"), 1))
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnknownRecord")
        .withArgs(id("nothing"));
    });
  });

  describe("lookups", function () {
    it("return an empty record and an empty data block for unknown keys", async function () {
      const { ledger } = await networkHelpers.loadFixture(deployLedger);

      const record = await ledger.getRecord(id("nothing"));
      expect(record.status).to.equal(RecordStatus.None);
      expect(record.dataHash).to.equal(ZeroHash);
      expect(record.sourceId).to.equal(0n);
      const dataBlock = await ledger.getDataBlock(id("nothing"));
      expect(dataBlock.status).to.equal(DataBlockStatus.None);
      expect(dataBlock.root).to.equal(ZeroHash);
      expect(dataBlock.gateway).to.equal(ethers.ZeroAddress);
    });
  });

  describe("data blocks", function () {
    /** Three operations signed by the fixture's source, sampled out of order. */
    async function validOperations(f: LedgerFixture, deadline: bigint): Promise<SignedOperation[]> {
      const samples: [string, bigint][] = [
        ["b-1", 300n],
        ["b-2", 100n],
        ["b-3", 200n],
      ];
      return Promise.all(
        samples.map(([label, sampledAt]) =>
          signRecord(f.sourceKey, f.ledger, makeRecord(label, f.formatId, { sampledAt }), deadline),
        ),
      );
    }

    async function anchor(f: LedgerFixture, dataBlock: DataBlock, at?: number | bigint) {
      if (at !== undefined) await time.setNextBlockTimestamp(at);
      await f.ledger
        .connect(f.gateway)
        .submitDataBlock(
          dataBlock.root,
          dataBlock.operations.length,
          dataBlock.firstSampledAt,
          dataBlock.lastSampledAt,
          "ipfs://block",
        );
    }

    function challenge(f: LedgerFixture, dataBlock: DataBlock, i: number) {
      return f.ledger
        .connect(f.stranger)
        .challengeDataBlock(dataBlock.root, dataBlock.operations[i], dataBlock.proof(i));
    }

    describe("submitDataBlock", function () {
      it("anchors the root with its count, sampling window and block timestamp", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(await validOperations(f, await inOneHour()));
        const at = (await time.latest()) + 50;
        await time.setNextBlockTimestamp(at);

        await expect(
          f.ledger
            .connect(f.gateway)
            .submitDataBlock(dataBlock.root, 3, 100n, 300n, "ipfs://block"),
        )
          .to.emit(f.ledger, "DataBlockAnchored")
          .withArgs(dataBlock.root, f.gateway.address, 3, 100n, 300n, "ipfs://block");

        const stored = await f.ledger.getDataBlock(dataBlock.root);
        expect(stored.root).to.equal(dataBlock.root);
        expect(stored.gateway).to.equal(f.gateway.address);
        expect(stored.count).to.equal(3);
        expect(stored.firstSampledAt).to.equal(100n);
        expect(stored.lastSampledAt).to.equal(300n);
        expect(stored.anchoredAt).to.equal(at);
        expect(stored.status).to.equal(DataBlockStatus.Anchored);
      });

      it("rejects a zero root, a zero count and an inverted sampling window", async function () {
        const { ledger, gateway } = await networkHelpers.loadFixture(deployLedger);
        const root = id("root");

        await expect(ledger.connect(gateway).submitDataBlock(ZeroHash, 1, 1, 1, ""))
          .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidDataBlock")
          .withArgs(ZeroHash, 1, 1, 1);
        await expect(ledger.connect(gateway).submitDataBlock(root, 0, 1, 1, ""))
          .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidDataBlock")
          .withArgs(root, 0, 1, 1);
        await expect(ledger.connect(gateway).submitDataBlock(root, 1, 2, 1, ""))
          .to.be.revertedWithCustomError(ledger, "DataRegistryInvalidDataBlock")
          .withArgs(root, 1, 2, 1);
        await expect(ledger.connect(gateway).submitDataBlock(root, 1, 1, 1, "")).to.emit(
          ledger,
          "DataBlockAnchored",
        );
      });

      it("rejects a root that is already anchored", async function () {
        const { ledger, gateway } = await networkHelpers.loadFixture(deployLedger);
        await ledger.connect(gateway).submitDataBlock(id("root"), 1, 1, 1, "");

        await expect(ledger.connect(gateway).submitDataBlock(id("root"), 2, 1, 2, "other"))
          .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateDataBlock")
          .withArgs(id("root"));
      });

      it("is for gateways only", async function () {
        const { ledger, operator, sourceKey, stranger } =
          await networkHelpers.loadFixture(deployLedger);

        for (const caller of [operator, sourceKey, stranger]) {
          await expect(ledger.connect(caller).submitDataBlock(id("root"), 1, 1, 1, ""))
            .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, await ledger.GATEWAY_ROLE());
        }
      });
    });

    describe("leafHash and verifyInclusion", function () {
      it("leafHash matches the OpenZeppelin StandardMerkleTree leaf", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(await validOperations(f, await inOneHour()));

        for (let i = 0; i < dataBlock.operations.length; i++) {
          expect(await f.ledger.leafHash(dataBlock.operations[i])).to.equal(dataBlock.leaf(i));
        }
      });

      it("proves every operation of an anchored block and nothing else", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(await validOperations(f, await inOneHour()));
        const outsider = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("outsider", f.formatId),
          1n,
        );

        expect(
          await f.ledger.verifyInclusion(dataBlock.root, dataBlock.leaf(0), dataBlock.proof(0)),
        ).to.equal(false);
        await anchor(f, dataBlock);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          expect(
            await f.ledger.verifyInclusion(dataBlock.root, dataBlock.leaf(i), dataBlock.proof(i)),
          ).to.equal(true);
        }
        expect(
          await f.ledger.verifyInclusion(dataBlock.root, dataBlock.leaf(0), dataBlock.proof(1)),
        ).to.equal(false);
        expect(
          await f.ledger.verifyInclusion(
            dataBlock.root,
            await f.ledger.leafHash(outsider),
            dataBlock.proof(0),
          ),
        ).to.equal(false);
        expect(
          await f.ledger.verifyInclusion(id("other root"), dataBlock.leaf(0), dataBlock.proof(0)),
        ).to.equal(false);
      });

      it("proves a single-operation block with an empty proof", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const [op] = await validOperations(f, await inOneHour());
        const dataBlock = buildDataBlock([op]);
        await anchor(f, dataBlock);

        expect(dataBlock.proof(0)).to.deep.equal([]);
        expect(await f.ledger.verifyInclusion(dataBlock.root, dataBlock.leaf(0), [])).to.equal(
          true,
        );
      });
    });

    describe("challengeDataBlock", function () {
      it("reverts for a validly signed operation of an active source", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(await validOperations(f, await inOneHour()));
        await anchor(f, dataBlock);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expect(challenge(f, dataBlock, i))
            .to.be.revertedWithCustomError(f.ledger, "DataRegistryValidOperation")
            .withArgs(dataBlock.root, dataBlock.leaf(i));
        }
        expect((await f.ledger.getDataBlock(dataBlock.root)).status).to.equal(
          DataBlockStatus.Anchored,
        );
      });

      it("disputes a block holding a forged signature (InvalidSignature)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const forged = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("forged", f.formatId),
          deadline,
          {
            source: f.sourceKey.address,
          },
        );
        const dataBlock = buildDataBlock([...(await validOperations(f, deadline)), forged]);
        await anchor(f, dataBlock);

        await expect(challenge(f, dataBlock, 3))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.root,
            f.stranger.address,
            dataBlock.leaf(3),
            f.sourceKey.address,
            DisputeReason.InvalidSignature,
          );

        expect((await f.ledger.getDataBlock(dataBlock.root)).status).to.equal(
          DataBlockStatus.Disputed,
        );
        // A disputed block proves nothing any more, not even its valid operations.
        expect(
          await f.ledger.verifyInclusion(dataBlock.root, dataBlock.leaf(0), dataBlock.proof(0)),
        ).to.equal(false);
      });

      it("disputes a block holding an unparseable signature (InvalidSignature)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const garbage: SignedOperation = {
          source: f.sourceKey.address,
          record: makeRecord("garbage", f.formatId),
          deadline: await inOneHour(),
          signature: "0xdeadbeef",
        };
        const dataBlock = buildDataBlock([
          garbage,
          ...(await validOperations(f, garbage.deadline)),
        ]);
        await anchor(f, dataBlock);

        await expect(challenge(f, dataBlock, 0))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.root,
            f.stranger.address,
            dataBlock.leaf(0),
            f.sourceKey.address,
            DisputeReason.InvalidSignature,
          );
      });

      it("disputes a block holding an operation by a source suspended before anchoring (InactiveSource)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const { key, sourceId } = await registerSecondSource(f);
        const deadline = await inOneHour();
        const bySuspended = await signRecord(
          key,
          f.ledger,
          makeRecord("suspended", f.formatId),
          deadline,
        );
        await f.ledger.connect(f.operator).suspendSource(sourceId, 0);
        const dataBlock = buildDataBlock([...(await validOperations(f, deadline)), bySuspended]);
        await anchor(f, dataBlock);

        await expect(challenge(f, dataBlock, 3))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.root,
            f.stranger.address,
            dataBlock.leaf(3),
            key.address,
            DisputeReason.InactiveSource,
          );
      });

      it("disputes a block holding an operation by a key that is no source (InactiveSource)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const byStranger = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("stranger", f.formatId),
          deadline,
        );
        const dataBlock = buildDataBlock([byStranger]);
        await anchor(f, dataBlock);

        await expect(challenge(f, dataBlock, 0))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.root,
            f.stranger.address,
            dataBlock.leaf(0),
            f.stranger.address,
            DisputeReason.InactiveSource,
          );
      });

      it("disputes a block holding an operation by a key rotated out before anchoring (InactiveSource)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const [byOldKey] = await validOperations(f, deadline);
        await f.ledger.connect(f.sourceOwner).rotateSourceKey(f.sourceId, f.spare[1].address);
        const dataBlock = buildDataBlock([byOldKey]);
        await anchor(f, dataBlock);

        await expect(challenge(f, dataBlock, 0))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.root,
            f.stranger.address,
            dataBlock.leaf(0),
            f.sourceKey.address,
            DisputeReason.InactiveSource,
          );
      });

      it("judges the source at anchoring time: suspension or rotation afterwards does not make it disputable", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(await validOperations(f, await inOneHour()));
        await anchor(f, dataBlock);
        await f.ledger.connect(f.sourceOwner).rotateSourceKey(f.sourceId, f.spare[1].address);
        await f.ledger.connect(f.operator).revokeSource(f.sourceId, 0);

        await expect(challenge(f, dataBlock, 1))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryValidOperation")
          .withArgs(dataBlock.root, dataBlock.leaf(1));
      });

      it("disputes a block anchored after an operation's deadline (ExpiredSignature)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const shortDeadline = BigInt(await time.latest()) + 10n;
        const late = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("late", f.formatId),
          shortDeadline,
        );
        const dataBlock = buildDataBlock([...(await validOperations(f, await inOneHour())), late]);
        await anchor(f, dataBlock, shortDeadline + 1n);

        await expect(challenge(f, dataBlock, 3))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.root,
            f.stranger.address,
            dataBlock.leaf(3),
            f.sourceKey.address,
            DisputeReason.ExpiredSignature,
          );
      });

      it("accepts an operation anchored in the very second of its deadline", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = BigInt(await time.latest()) + 10n;
        const dataBlock = buildDataBlock(await validOperations(f, deadline));
        await anchor(f, dataBlock, deadline);

        await expect(challenge(f, dataBlock, 0)).to.be.revertedWithCustomError(
          f.ledger,
          "DataRegistryValidOperation",
        );
      });

      it("rejects a proof that does not place the operation under the root", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const dataBlock = buildDataBlock(await validOperations(f, deadline));
        await anchor(f, dataBlock);
        const forged = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("not-in-block", f.formatId),
          deadline,
          {
            source: f.sourceKey.address,
          },
        );

        await expect(f.ledger.challengeDataBlock(dataBlock.root, forged, dataBlock.proof(0)))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryInvalidProof")
          .withArgs(dataBlock.root, await f.ledger.leafHash(forged));
        await expect(
          f.ledger.challengeDataBlock(dataBlock.root, dataBlock.operations[0], dataBlock.proof(1)),
        )
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryInvalidProof")
          .withArgs(dataBlock.root, dataBlock.leaf(0));
      });

      it("rejects an unknown root and an already disputed block", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const forged = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("forged", f.formatId),
          deadline,
          {
            source: f.sourceKey.address,
          },
        );
        const dataBlock = buildDataBlock([forged, ...(await validOperations(f, deadline))]);

        await expect(challenge(f, dataBlock, 0))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnknownDataBlock")
          .withArgs(dataBlock.root);

        await anchor(f, dataBlock);
        await challenge(f, dataBlock, 0);
        await expect(challenge(f, dataBlock, 0))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryDataBlockDisputed")
          .withArgs(dataBlock.root);
      });
    });
  });
});
