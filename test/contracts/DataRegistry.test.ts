import { expect } from "chai";
import {
  TypedDataEncoder,
  ZeroHash,
  id,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from "ethers";
import { network } from "hardhat";
import type { Hex } from "viem";

import { leafHash } from "../../offchain/chain/recordTyping.js";
import { dataBlockNode, dataBlockProofRoot } from "../../offchain/sdk/verifyDataBlockProof.js";

import {
  ADMIN_DELAY,
  deployLedger,
  FORMAT_UNIQUE_DATA_HASHES,
  recordIdOf,
  type LedgerFixture,
} from "../fixtures/deployLedger.js";
import { buildDataBlock, type DataBlock } from "../helpers/buildDataBlock.js";
import { DataBlockStatus, DisputeReason, RecordStatus } from "../helpers/enums.js";
import { makeRecord } from "../helpers/makeRecord.js";
import {
  RECORD_TYPES,
  recordDomain,
  signRecord,
  type SignedOperation,
} from "../helpers/signRecord.js";
import { keyProof } from "../helpers/keyProof.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
/** A second simulated chain that may mine consecutive blocks with the same timestamp. */
const sameSecond = await network.create({ override: { allowBlocksWithSameTimestamp: true } });

async function inOneHour(): Promise<bigint> {
  return BigInt(await time.latest()) + 3600n;
}

/** Registers source 2 with `spare[0]` as key, allowed the fixture's format. */
async function registerSecondSource(f: LedgerFixture) {
  const key = f.spare[0];
  await f.ledger
    .connect(f.operator)
    .registerSource(
      key.address,
      f.sourceOwner.address,
      id("source-2"),
      "ipfs://source-2",
      [f.formatId],
      await keyProof(f.ledger, key, f.sourceOwner.address),
    );
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
          recordIdOf(sourceKey, record),
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

      const recordId = recordIdOf(sourceKey, record);
      const stored = await ledger.getRecord(recordId);
      expect(stored.recordId).to.equal(recordId);
      expect(stored.sourceId).to.equal(1n);
      expect(stored.formatId).to.equal(formatId);
      expect(stored.sampledAt).to.equal(1_234n);
      expect(stored.recordedAt).to.equal(at);
      expect(stored.status).to.equal(RecordStatus.Active);
      expect(stored.revocationReason).to.equal(0);
      expect(stored.revokedByOperator).to.equal(false);
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

      expect((await ledger.getRecord(recordIdOf(sourceKey, record))).formatId).to.equal(
        otherFormatId,
      );
    });

    it("rejects a zero data hash", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(sourceKey)
          .submitRecord(makeRecord("zero", formatId, { dataHash: ZeroHash })),
      ).to.be.revertedWithCustomError(ledger, "DataRegistryZeroDataHash");
    });

    it("recordIdOf is keccak256(abi.encode(source, dataHash, sampledAt)), as the SDK computes it", async function () {
      const { ledger, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("id", formatId);
      const recordId = recordIdOf(sourceKey, record);

      expect(
        await ledger.recordIdOf(sourceKey.address, record.dataHash, record.sampledAt),
      ).to.equal(recordId);
      // Each of the three parts is in the id; nothing else (format, metadata, uri) is.
      const later = { ...record, sampledAt: record.sampledAt + 1n };
      expect(await ledger.recordIdOf(sourceKey.address, record.dataHash, later.sampledAt)).to.equal(
        recordIdOf(sourceKey, later),
      );
      expect(recordIdOf(sourceKey, later)).to.not.equal(recordId);
      expect(recordIdOf(stranger, record)).to.not.equal(recordId);
      expect(recordIdOf(sourceKey, { ...record, dataHash: id("other") })).to.not.equal(recordId);
      expect(recordId).to.not.equal(record.dataHash);
    });

    it("rejects the same reading (source key, data hash, sampledAt) twice, naming the record and its source", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("dup", formatId);
      await ledger.connect(sourceKey).submitRecord(record);

      // Metadata and uri are not part of the reading: changing them does not make a new record.
      await expect(
        ledger
          .connect(sourceKey)
          .submitRecord({ ...record, metadataHash: id("other"), uri: "ipfs://elsewhere" }),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(recordIdOf(sourceKey, record), 1n);
      expect((await ledger.getRecord(recordIdOf(sourceKey, record))).status).to.equal(
        RecordStatus.Active,
      );
    });

    it("anchors the same payload sampled at two times as two records", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const first = makeRecord("door-closed", formatId, { sampledAt: 36_000n });
      const later = { ...first, sampledAt: 36_300n };
      await ledger.connect(sourceKey).submitRecord(first);

      await expect(ledger.connect(sourceKey).submitRecord(later))
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          recordIdOf(sourceKey, later),
          first.dataHash,
          1n,
          formatId,
          sourceKey.address,
          first.metadataHash,
          36_300n,
          first.uri,
        );

      const a = await ledger.getRecord(recordIdOf(sourceKey, first));
      const b = await ledger.getRecord(recordIdOf(sourceKey, later));
      expect(a.recordId).to.not.equal(b.recordId);
      expect(a.status).to.equal(RecordStatus.Active);
      expect(b.status).to.equal(RecordStatus.Active);
      expect(a.sampledAt).to.equal(36_000n);
      expect(b.sampledAt).to.equal(36_300n);
    });

    it("gives another source with the same data hash its own record, leaving the first untouched", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key, sourceId: otherId } = await registerSecondSource(f);
      const record = makeRecord("shared", f.formatId);
      await f.ledger.connect(f.sourceKey).submitRecord(record);
      const firstBefore = await f.ledger.getRecord(recordIdOf(f.sourceKey, record));

      const copy = { ...record, uri: "ipfs://elsewhere" };
      await expect(f.ledger.connect(key).submitRecord(copy))
        .to.emit(f.ledger, "RecordAnchored")
        .withArgs(
          recordIdOf(key, record),
          record.dataHash,
          otherId,
          f.formatId,
          key.address,
          record.metadataHash,
          record.sampledAt,
          "ipfs://elsewhere",
        );

      const first = await f.ledger.getRecord(recordIdOf(f.sourceKey, record));
      expect([...first]).to.deep.equal([...firstBefore]);
      expect(first.sourceId).to.equal(1n);
      expect(first.status).to.equal(RecordStatus.Active);
      const second = await f.ledger.getRecord(recordIdOf(key, record));
      expect(second.sourceId).to.equal(otherId);
      expect(second.status).to.equal(RecordStatus.Active);
      expect(
        await f.ledger.recordSourceIds([
          recordIdOf(f.sourceKey, record),
          recordIdOf(key, record),
          record.dataHash,
          id("absent"),
          ZeroHash,
        ]),
      ).to.deep.equal([1n, otherId, 0n, 0n, 0n]);
    });

    it("does not let a squatter block or take over the real source's record, nor touch it by revoking its own", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key: squatter, sourceId: squatterId } = await registerSecondSource(f);
      // The squatter saw the payload (or guessed it) and anchors its fingerprint first.
      const record = makeRecord("real-reading", f.formatId);
      await f.ledger.connect(squatter).submitRecord(record);

      // The real source is not refused, and its record is attributed to it.
      await expect(f.ledger.connect(f.sourceKey).submitRecord(record))
        .to.emit(f.ledger, "RecordAnchored")
        .withArgs(
          recordIdOf(f.sourceKey, record),
          record.dataHash,
          1n,
          f.formatId,
          f.sourceKey.address,
          record.metadataHash,
          record.sampledAt,
          record.uri,
        );
      const real = recordIdOf(f.sourceKey, record);
      const squatted = recordIdOf(squatter, record);
      expect((await f.ledger.getRecord(real)).sourceId).to.equal(1n);
      expect((await f.ledger.getRecord(squatted)).sourceId).to.equal(squatterId);

      // The squatter can neither revoke nor version the real source's record...
      await expect(f.ledger.connect(squatter).revokeRecord(real, 1))
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnauthorized")
        .withArgs(squatter.address, real);
      await expect(f.ledger.connect(squatter).updateRecord(real, makeRecord("spoof", f.formatId)))
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnauthorized")
        .withArgs(squatter.address, real);
      // ...and revoking its own record leaves the real source's alone.
      await expect(f.ledger.connect(squatter).revokeRecord(squatted, 1))
        .to.emit(f.ledger, "RecordRevoked")
        .withArgs(squatted, squatterId, 1, squatter.address);
      expect((await f.ledger.getRecord(squatted)).status).to.equal(RecordStatus.Revoked);
      const after = await f.ledger.getRecord(real);
      expect(after.status).to.equal(RecordStatus.Active);
      expect(after.sourceId).to.equal(1n);
      expect(after.revocationReason).to.equal(0);
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
        epoch: 3n,
      });
      expect(await ledger.hashRecord(record, deadline, 3n)).to.equal(expected);
      // The epoch is signed: another epoch is another digest.
      expect(await ledger.hashRecord(record, deadline, 2n)).to.not.equal(expected);

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
          recordIdOf(sourceKey, op.record),
          op.record.dataHash,
          1n,
          formatId,
          sourceKey.address,
          op.record.metadataHash,
          op.record.sampledAt,
          op.record.uri,
        );
      const stored = await ledger.getRecord(recordIdOf(op.source, op.record));
      expect(stored.status).to.equal(RecordStatus.Active);
      expect(stored.sourceId).to.equal(1n);
      // Attributed to the signing key, not to the relayer.
      expect((await ledger.getRecord(recordIdOf(stranger, op.record))).status).to.equal(
        RecordStatus.None,
      );
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
        .withArgs(recordIdOf(sourceKey, op.record), 1n);
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
        .registerFormat(formatId, "air-quality", "1.0.0", "ipfs://schema", 0);
      await other
        .connect(operator)
        .registerSource(
          sourceKey.address,
          sourceOwner.address,
          ZeroHash,
          "",
          [formatId],
          await keyProof(other, sourceKey, sourceOwner.address),
        );
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

    describe("signing epochs", function () {
      function relay(f: LedgerFixture, op: SignedOperation) {
        return f.ledger
          .connect(f.stranger)
          .submitRecordBySig(op.source, op.record, op.deadline, op.signature);
      }

      it("the review's finding: a suspension and reactivation cancel the signatures made before and during the suspension", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const before = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("signed before the suspension", f.formatId),
          deadline,
        );
        expect(before.epoch).to.equal(0n);
        await f.ledger.connect(f.operator).suspendSource(f.sourceId, 0);
        const during = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("signed while suspended", f.formatId),
          deadline,
        );
        expect(during.epoch).to.equal(1n);
        await f.ledger.connect(f.operator).reactivateSource(f.sourceId);
        expect((await f.ledger.getSource(f.sourceId)).epoch).to.equal(2n);

        for (const stale of [before, during]) {
          await expect(relay(f, stale))
            .to.be.revertedWithCustomError(f.ledger, "DataRegistryInvalidSignature")
            .withArgs(f.sourceKey.address);
          expect((await f.ledger.getRecord(recordIdOf(f.sourceKey, stale.record))).status).to.equal(
            RecordStatus.None,
          );
        }

        // The same records signed again in the current epoch: accepted.
        for (const stale of [before, during]) {
          const fresh = await signRecord(f.sourceKey, f.ledger, stale.record, deadline);
          expect(fresh.epoch).to.equal(2n);
          await expect(relay(f, fresh)).to.emit(f.ledger, "RecordAnchored");
          expect((await f.ledger.getRecord(recordIdOf(f.sourceKey, stale.record))).status).to.equal(
            RecordStatus.Active,
          );
        }
      });

      it("refuses a signature in an epoch the source has not reached", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const ahead = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("ahead", f.formatId),
          await inOneHour(),
          { epoch: 1n },
        );

        await expect(relay(f, ahead))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryInvalidSignature")
          .withArgs(f.sourceKey.address);
      });

      it("starts a rotated-in key in a new epoch: only its signatures in that epoch anchor", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const newKey = f.spare[0];
        const deadline = await inOneHour();
        const byOldKey = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("old key", f.formatId),
          deadline,
        );
        await f.ledger
          .connect(f.sourceOwner)
          .rotateSourceKey(
            f.sourceId,
            newKey.address,
            await keyProof(f.ledger, newKey, f.sourceOwner),
          );
        expect((await f.ledger.getSource(f.sourceId)).epoch).to.equal(1n);

        const record = makeRecord("new key", f.formatId);
        const inOldEpoch = await signRecord(newKey, f.ledger, record, deadline, { epoch: 0n });
        await expect(relay(f, inOldEpoch))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryInvalidSignature")
          .withArgs(newKey.address);
        const inNewEpoch = await signRecord(newKey, f.ledger, record, deadline);
        expect(inNewEpoch.epoch).to.equal(1n);
        await expect(relay(f, inNewEpoch)).to.emit(f.ledger, "RecordAnchored");

        // The old key is out whatever its epoch.
        await expect(relay(f, byOldKey))
          .to.be.revertedWithCustomError(f.ledger, "SourceRegistryInactiveSource")
          .withArgs(f.sourceKey.address);
      });

      it("is per source: another source's changes leave its signatures good", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const { sourceId } = await registerSecondSource(f);
        const op = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("unaffected", f.formatId),
          await inOneHour(),
        );
        await f.ledger.connect(f.operator).suspendSource(sourceId, 0);
        await f.ledger.connect(f.operator).reactivateSource(sourceId);

        expect((await f.ledger.getSource(sourceId)).epoch).to.equal(2n);
        expect((await f.ledger.getSource(f.sourceId)).epoch).to.equal(0n);
        await expect(relay(f, op)).to.emit(f.ledger, "RecordAnchored");
      });
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
      const id1 = recordIdOf(sourceKey, v1);
      const id2 = recordIdOf(sourceKey, v2);
      await ledger.connect(sourceKey).submitRecord(v1);

      const tx = ledger.connect(sourceKey).updateRecord(id1, v2);
      await expect(tx).to.emit(ledger, "RecordUpdated").withArgs(id1, id2, sourceKey.address);
      await expect(tx)
        .to.emit(ledger, "RecordAnchored")
        .withArgs(id2, v2.dataHash, 1n, formatId, sourceKey.address, v2.metadataHash, 42n, v2.uri);

      const old = await ledger.getRecord(id1);
      expect(old.status).to.equal(RecordStatus.Superseded);
      expect(old.supersededBy).to.equal(id2);
      expect(old.replaces).to.equal(ZeroHash);
      const current = await ledger.getRecord(id2);
      expect(current.recordId).to.equal(id2);
      expect(current.status).to.equal(RecordStatus.Active);
      expect(current.replaces).to.equal(id1);
      expect(current.supersededBy).to.equal(ZeroHash);
      expect(current.sourceId).to.equal(1n);
      expect(current.sampledAt).to.equal(42n);
    });

    it("refuses an operator: a version is the source's own statement, and nothing changes", async function () {
      const { ledger, operator, datasetOwner, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const v2 = makeRecord("v2", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      await ledger.connect(sourceKey).submitRecord(v1);

      for (const caller of [operator, datasetOwner]) {
        await expect(ledger.connect(caller).updateRecord(id1, v2))
          .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
          .withArgs(caller.address, id1);
      }

      const old = await ledger.getRecord(id1);
      expect(old.status).to.equal(RecordStatus.Active);
      expect(old.supersededBy).to.equal(ZeroHash);
      for (const key of [sourceKey, operator, datasetOwner]) {
        expect((await ledger.getRecord(recordIdOf(key, v2))).status).to.equal(RecordStatus.None);
      }
      // The source itself still can.
      await expect(ledger.connect(sourceKey).updateRecord(id1, v2)).to.emit(
        ledger,
        "RecordUpdated",
      );
    });

    it("checks the caller before the new version's format", async function () {
      const { ledger, operator, sourceKey, formatId, otherFormatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      await ledger.connect(sourceKey).submitRecord(v1);

      // A format the source may not use: the operator learns only that it may not update.
      await expect(ledger.connect(operator).updateRecord(id1, makeRecord("v2", otherFormatId)))
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
        .withArgs(operator.address, id1);
      await expect(ledger.connect(sourceKey).updateRecord(id1, makeRecord("v2", otherFormatId)))
        .to.be.revertedWithCustomError(ledger, "SourceRegistryFormatNotAllowed")
        .withArgs(sourceId, otherFormatId);
      expect((await ledger.getRecord(id1)).status).to.equal(RecordStatus.Active);
    });

    it("keeps a chain of versions walkable in both directions", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const [v1, v2, v3] = ["v1", "v2", "v3"].map((label) => makeRecord(label, formatId));
      const [id1, id2, id3] = [v1, v2, v3].map((v) => recordIdOf(sourceKey, v));
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).updateRecord(id1, v2);
      await ledger.connect(sourceKey).updateRecord(id2, v3);

      const middle = await ledger.getRecord(id2);
      expect(middle.status).to.equal(RecordStatus.Superseded);
      expect(middle.replaces).to.equal(id1);
      expect(middle.supersededBy).to.equal(id3);
      expect((await ledger.getRecord(id1)).supersededBy).to.equal(id2);
      expect((await ledger.getRecord(id3)).replaces).to.equal(id2);
      expect((await ledger.getRecord(id3)).status).to.equal(RecordStatus.Active);
    });

    it("rejects anyone else: the source owner, a stranger, another source, operators, the admin", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key: otherSource } = await registerSecondSource(f);
      const v1 = makeRecord("v1", f.formatId);
      const id1 = recordIdOf(f.sourceKey, v1);
      await f.ledger.connect(f.sourceKey).submitRecord(v1);

      for (const caller of [
        f.sourceOwner,
        f.stranger,
        otherSource,
        f.gateway,
        f.supervisor,
        f.admin,
        f.operator,
        f.datasetOwner,
      ]) {
        await expect(f.ledger.connect(caller).updateRecord(id1, makeRecord("v2", f.formatId)))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnauthorized")
          .withArgs(caller.address, id1);
      }
      expect((await f.ledger.getRecord(id1)).status).to.equal(RecordStatus.Active);
    });

    it("follows key rotation: the old key loses the right, the new key has it and names the new version", async function () {
      const { ledger, sourceKey, sourceOwner, spare, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const v2 = makeRecord("v2", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      await ledger.connect(sourceKey).submitRecord(v1);
      const newKey = spare[1];
      await ledger
        .connect(sourceOwner)
        .rotateSourceKey(sourceId, newKey.address, await keyProof(ledger, newKey, sourceOwner));

      await expect(ledger.connect(sourceKey).updateRecord(id1, v2))
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
        .withArgs(sourceKey.address, id1);
      const id2 = recordIdOf(newKey, v2);
      const tx = ledger.connect(newKey).updateRecord(id1, v2);
      await expect(tx)
        .to.emit(ledger, "RecordAnchored")
        .withArgs(
          id2,
          id("data:v2"),
          sourceId,
          formatId,
          newKey.address,
          id("metadata:v2"),
          1_700_000_000n,
          "ipfs://v2",
        );
      await expect(tx).to.emit(ledger, "RecordUpdated").withArgs(id1, id2, newKey.address);
      expect((await ledger.getRecord(id1)).supersededBy).to.equal(id2);
      expect((await ledger.getRecord(id2)).sourceId).to.equal(sourceId);
      expect((await ledger.getRecord(recordIdOf(sourceKey, v2))).status).to.equal(
        RecordStatus.None,
      );
    });

    it("rejects updating a superseded, revoked or unknown record", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const revoked = makeRecord("revoked", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      const revokedId = recordIdOf(sourceKey, revoked);
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).updateRecord(id1, makeRecord("v2", formatId));
      await ledger.connect(sourceKey).submitRecord(revoked);
      await ledger.connect(sourceKey).revokeRecord(revokedId, 1);

      await expect(ledger.connect(sourceKey).updateRecord(id1, makeRecord("v3", formatId)))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(id1, RecordStatus.Superseded);
      await expect(ledger.connect(sourceKey).updateRecord(revokedId, makeRecord("v4", formatId)))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(revokedId, RecordStatus.Revoked);
      // The bare data hash is not a record id.
      await expect(
        ledger.connect(sourceKey).updateRecord(revoked.dataHash, makeRecord("v5", formatId)),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnknownRecord")
        .withArgs(revoked.dataHash);
      await expect(
        ledger.connect(sourceKey).updateRecord(id("nothing"), makeRecord("v6", formatId)),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnknownRecord")
        .withArgs(id("nothing"));
    });

    it("rejects a new version that is a reading already anchored, leaving the old one active", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const taken = makeRecord("taken", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).submitRecord(taken);

      await expect(ledger.connect(sourceKey).updateRecord(id1, taken))
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(recordIdOf(sourceKey, taken), 1n);
      await expect(ledger.connect(sourceKey).updateRecord(id1, { ...v1, uri: "ipfs://fixed" }))
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(id1, 1n);
      const old = await ledger.getRecord(id1);
      expect(old.status).to.equal(RecordStatus.Active);
      expect(old.supersededBy).to.equal(ZeroHash);

      // The same payload at another sampling time is a new reading: a valid version.
      const resampled = { ...v1, sampledAt: v1.sampledAt + 1n };
      await expect(ledger.connect(sourceKey).updateRecord(id1, resampled))
        .to.emit(ledger, "RecordUpdated")
        .withArgs(id1, recordIdOf(sourceKey, resampled), sourceKey.address);
    });

    it("refuses a suspended source's key, and accepts it again once reactivated", async function () {
      const { ledger, operator, sourceKey, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      await ledger.connect(sourceKey).submitRecord(v1);

      await ledger.connect(operator).suspendSource(sourceId, 0);
      for (const caller of [sourceKey, operator]) {
        await expect(ledger.connect(caller).updateRecord(id1, makeRecord("v2", formatId)))
          .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
          .withArgs(caller.address, id1);
      }
      expect((await ledger.getRecord(id1)).status).to.equal(RecordStatus.Active);

      await ledger.connect(operator).reactivateSource(sourceId);
      await expect(ledger.connect(sourceKey).updateRecord(id1, makeRecord("v2", formatId))).to.emit(
        ledger,
        "RecordUpdated",
      );
    });
  });

  describe("revokeRecord", function () {
    it("lets the source revoke with a reason code; the record stays readable, not marked as an operator's act", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("to-revoke", formatId, { sampledAt: 77n });
      const recordId = recordIdOf(sourceKey, record);
      await ledger.connect(sourceKey).submitRecord(record);
      const before = await ledger.getRecord(recordId);

      await expect(ledger.connect(sourceKey).revokeRecord(recordId, 404))
        .to.emit(ledger, "RecordRevoked")
        .withArgs(recordId, 1n, 404, sourceKey.address);

      const after = await ledger.getRecord(recordId);
      expect(after.recordId).to.equal(recordId);
      expect(after.status).to.equal(RecordStatus.Revoked);
      expect(after.revocationReason).to.equal(404);
      expect(after.revokedByOperator).to.equal(false);
      expect(after.sourceId).to.equal(before.sourceId);
      expect(after.formatId).to.equal(before.formatId);
      expect(after.sampledAt).to.equal(77n);
      expect(after.recordedAt).to.equal(before.recordedAt);
    });

    it("lets an operator revoke, and records that an operator did", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("to-revoke", formatId);
      const recordId = recordIdOf(sourceKey, record);
      await ledger.connect(sourceKey).submitRecord(record);
      expect((await ledger.getRecord(recordId)).revokedByOperator).to.equal(false);

      await expect(ledger.connect(operator).revokeRecord(recordId, 2))
        .to.emit(ledger, "RecordRevoked")
        .withArgs(recordId, 1n, 2, operator.address);
      const after = await ledger.getRecord(recordId);
      expect(after.status).to.equal(RecordStatus.Revoked);
      expect(after.revocationReason).to.equal(2);
      expect(after.revokedByOperator).to.equal(true);
    });

    it("rejects the source owner, a stranger, another source and a rotated-out key", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key: otherSource } = await registerSecondSource(f);
      const record = makeRecord("keep", f.formatId);
      const recordId = recordIdOf(f.sourceKey, record);
      await f.ledger.connect(f.sourceKey).submitRecord(record);
      await f.ledger
        .connect(f.sourceOwner)
        .rotateSourceKey(
          f.sourceId,
          f.spare[1].address,
          await keyProof(f.ledger, f.spare[1], f.sourceOwner),
        );

      for (const caller of [f.sourceOwner, f.stranger, otherSource, f.sourceKey, f.supervisor]) {
        await expect(f.ledger.connect(caller).revokeRecord(recordId, 1))
          .to.be.revertedWithCustomError(f.ledger, "DataRegistryUnauthorized")
          .withArgs(caller.address, recordId);
      }
      expect((await f.ledger.getRecord(recordId)).status).to.equal(RecordStatus.Active);
      // The source's current key may: the record is the source's, whichever key anchored it.
      await expect(f.ledger.connect(f.spare[1]).revokeRecord(recordId, 1)).to.emit(
        f.ledger,
        "RecordRevoked",
      );
      expect((await f.ledger.getRecord(recordId)).revokedByOperator).to.equal(false);
    });

    it("does not let a suspended source revoke, but an operator still can", async function () {
      const { ledger, operator, sourceKey, formatId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("r", formatId);
      const recordId = recordIdOf(sourceKey, record);
      await ledger.connect(sourceKey).submitRecord(record);
      await ledger.connect(operator).suspendSource(sourceId, 0);

      await expect(ledger.connect(sourceKey).revokeRecord(recordId, 1))
        .to.be.revertedWithCustomError(ledger, "DataRegistryUnauthorized")
        .withArgs(sourceKey.address, recordId);
      await expect(ledger.connect(operator).revokeRecord(recordId, 1)).to.emit(
        ledger,
        "RecordRevoked",
      );
      expect((await ledger.getRecord(recordId)).revokedByOperator).to.equal(true);
    });

    it("is final: no second revocation, no update, no re-anchoring of the same reading", async function () {
      const { ledger, operator, sourceKey, stranger, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("final", formatId);
      const recordId = recordIdOf(sourceKey, record);
      await ledger.connect(sourceKey).submitRecord(record);
      await ledger.connect(sourceKey).revokeRecord(recordId, 5);

      await expect(ledger.connect(operator).revokeRecord(recordId, 6))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(recordId, RecordStatus.Revoked);
      await expect(ledger.connect(sourceKey).updateRecord(recordId, makeRecord("v2", formatId)))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(recordId, RecordStatus.Revoked);
      await expect(ledger.connect(sourceKey).submitRecord(record))
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(recordId, 1n);
      const op = await signRecord(sourceKey, ledger, record, await inOneHour());
      await expect(
        ledger.connect(stranger).submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateRecord")
        .withArgs(recordId, 1n);
      const stored = await ledger.getRecord(recordId);
      expect(stored.status).to.equal(RecordStatus.Revoked);
      expect(stored.revocationReason).to.equal(5);
      expect(stored.revokedByOperator).to.equal(false);
    });

    it("leaves version history intact when a later version is revoked; a superseded one cannot be revoked", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);
      const v1 = makeRecord("v1", formatId);
      const v2 = makeRecord("v2", formatId);
      const id1 = recordIdOf(sourceKey, v1);
      const id2 = recordIdOf(sourceKey, v2);
      await ledger.connect(sourceKey).submitRecord(v1);
      await ledger.connect(sourceKey).updateRecord(id1, v2);

      await expect(ledger.connect(sourceKey).revokeRecord(id1, 1))
        .to.be.revertedWithCustomError(ledger, "DataRegistryRecordNotActive")
        .withArgs(id1, RecordStatus.Superseded);
      await ledger.connect(sourceKey).revokeRecord(id2, 1);

      const old = await ledger.getRecord(id1);
      expect(old.status).to.equal(RecordStatus.Superseded);
      expect(old.supersededBy).to.equal(id2);
      const current = await ledger.getRecord(id2);
      expect(current.status).to.equal(RecordStatus.Revoked);
      expect(current.replaces).to.equal(id1);
    });

    it("rejects an unknown record, including a bare data hash", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const record = makeRecord("anchored", formatId);
      await ledger.connect(sourceKey).submitRecord(record);

      for (const unknown of [id("nothing"), record.dataHash]) {
        await expect(ledger.connect(operator).revokeRecord(unknown, 1))
          .to.be.revertedWithCustomError(ledger, "DataRegistryUnknownRecord")
          .withArgs(unknown);
      }
      expect((await ledger.getRecord(recordIdOf(sourceKey, record))).status).to.equal(
        RecordStatus.Active,
      );
    });
  });

  describe("formats with unique data hashes", function () {
    const DEPOSIT = id("deposit schema");

    /** A FORMAT_UNIQUE_DATA_HASHES format allowed to source 1 and to a second source. */
    async function withUniqueFormat(f: LedgerFixture) {
      await f.ledger
        .connect(f.operator)
        .registerFormat(DEPOSIT, "deposit", "1", "ipfs://deposit", FORMAT_UNIQUE_DATA_HASHES);
      await f.ledger.connect(f.operator).setSourceFormats(f.sourceId, [DEPOSIT], true);
      const second = await registerSecondSource(f);
      await f.ledger.connect(f.operator).setSourceFormats(second.sourceId, [DEPOSIT], true);
      return second;
    }

    it("refuses a second holder of the hash, direct, relayed and by the holder at another time", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key } = await withUniqueFormat(f);
      const deposit = makeRecord("deposit", DEPOSIT);
      const holder = recordIdOf(f.sourceKey, deposit);
      expect(await f.ledger.dataHashHolder(deposit.dataHash)).to.equal(ZeroHash);
      await f.ledger.connect(f.sourceKey).submitRecord(deposit);
      expect(await f.ledger.dataHashHolder(deposit.dataHash)).to.equal(holder);

      await expect(f.ledger.connect(key).submitRecord(deposit))
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryDataHashHeld")
        .withArgs(deposit.dataHash, holder);
      const op = await signRecord(key, f.ledger, deposit, await inOneHour());
      await expect(
        f.ledger
          .connect(f.stranger)
          .submitRecordBySig(op.source, op.record, op.deadline, op.signature),
      )
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryDataHashHeld")
        .withArgs(deposit.dataHash, holder);
      const again = { ...deposit, sampledAt: deposit.sampledAt + 1n };
      await expect(f.ledger.connect(f.sourceKey).submitRecord(again))
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryDataHashHeld")
        .withArgs(deposit.dataHash, holder);

      expect(await f.ledger.dataHashHolder(deposit.dataHash)).to.equal(holder);
      for (const refused of [recordIdOf(key, deposit), recordIdOf(f.sourceKey, again)]) {
        expect((await f.ledger.getRecord(refused)).status).to.equal(RecordStatus.None);
      }
      // Another hash in the same format is free.
      await expect(f.ledger.connect(key).submitRecord(makeRecord("other", DEPOSIT))).to.emit(
        f.ledger,
        "RecordAnchored",
      );
    });

    it("frees the hash when its holder is revoked", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key, sourceId: secondId } = await withUniqueFormat(f);
      const deposit = makeRecord("deposit", DEPOSIT);
      const first = recordIdOf(f.sourceKey, deposit);
      await f.ledger.connect(f.sourceKey).submitRecord(deposit);
      await f.ledger.connect(f.operator).revokeRecord(first, 7);

      await expect(f.ledger.connect(key).submitRecord(deposit))
        .to.emit(f.ledger, "RecordAnchored")
        .withArgs(
          recordIdOf(key, deposit),
          deposit.dataHash,
          secondId,
          DEPOSIT,
          key.address,
          deposit.metadataHash,
          deposit.sampledAt,
          deposit.uri,
        );
      expect(await f.ledger.dataHashHolder(deposit.dataHash)).to.equal(recordIdOf(key, deposit));
      expect((await f.ledger.getRecord(first)).status).to.equal(RecordStatus.Revoked);
      // The new holder holds it in turn.
      await expect(
        f.ledger
          .connect(f.sourceKey)
          .submitRecord({ ...deposit, sampledAt: deposit.sampledAt + 1n }),
      )
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryDataHashHeld")
        .withArgs(deposit.dataHash, recordIdOf(key, deposit));
    });

    it("lets a new version keep the hash, which then follows the version", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key } = await withUniqueFormat(f);
      const v1 = makeRecord("deposit", DEPOSIT);
      const v2 = { ...v1, metadataHash: id("corrected description"), sampledAt: v1.sampledAt + 1n };
      const id1 = recordIdOf(f.sourceKey, v1);
      const id2 = recordIdOf(f.sourceKey, v2);
      await f.ledger.connect(f.sourceKey).submitRecord(v1);

      await expect(f.ledger.connect(f.sourceKey).updateRecord(id1, v2))
        .to.emit(f.ledger, "RecordUpdated")
        .withArgs(id1, id2, f.sourceKey.address);
      expect(await f.ledger.dataHashHolder(v1.dataHash)).to.equal(id2);
      expect((await f.ledger.getRecord(id1)).status).to.equal(RecordStatus.Superseded);
      // Superseding did not free the hash for anyone else.
      await expect(f.ledger.connect(key).submitRecord(v1))
        .to.be.revertedWithCustomError(f.ledger, "DataRegistryDataHashHeld")
        .withArgs(v1.dataHash, id2);
    });

    it("leaves formats without the flag alone", async function () {
      const f = await networkHelpers.loadFixture(deployLedger);
      const { key, sourceId: secondId } = await withUniqueFormat(f);
      const deposit = makeRecord("deposit", DEPOSIT);
      await f.ledger.connect(f.sourceKey).submitRecord(deposit);

      // The same hash in the fixture's ordinary format, by another source: its own record.
      const ordinary = { ...deposit, formatId: f.formatId };
      await f.ledger.connect(key).submitRecord(ordinary);
      const stored = await f.ledger.getRecord(recordIdOf(key, ordinary));
      expect(stored.status).to.equal(RecordStatus.Active);
      expect(stored.sourceId).to.equal(secondId);
      expect(await f.ledger.dataHashHolder(deposit.dataHash)).to.equal(
        recordIdOf(f.sourceKey, deposit),
      );

      // A hash only ever anchored in ordinary formats has no holder.
      const plain = makeRecord("plain", f.formatId);
      await f.ledger.connect(f.sourceKey).submitRecord(plain);
      await f.ledger.connect(key).submitRecord(plain);
      expect(await f.ledger.dataHashHolder(plain.dataHash)).to.equal(ZeroHash);
    });
  });

  describe("lookups", function () {
    it("return an empty record and an empty data block for unknown keys", async function () {
      const { ledger } = await networkHelpers.loadFixture(deployLedger);

      const record = await ledger.getRecord(id("nothing"));
      expect(record.status).to.equal(RecordStatus.None);
      expect(record.recordId).to.equal(ZeroHash);
      expect(record.sourceId).to.equal(0n);
      expect(record.formatId).to.equal(ZeroHash);
      expect(await ledger.recordSourceIds([id("nothing")])).to.deep.equal([0n]);
      expect(await ledger.recordSourceIds([])).to.deep.equal([]);
      const dataBlock = await ledger.getDataBlock(id("nothing"));
      expect(dataBlock.status).to.equal(DataBlockStatus.None);
      expect(dataBlock.blockId).to.equal(ZeroHash);
      expect(dataBlock.chainId).to.equal(0n);
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

    /** A stranger challenges operation `i` of `dataBlock` through the ledger's judge. */
    function challenge(f: LedgerFixture, dataBlock: DataBlock, i: number) {
      return f.judge
        .connect(f.stranger)
        .challenge(dataBlock.blockId, dataBlock.operations[i], i, dataBlock.proof(i));
    }

    /** Operation `i` is struck for `reason`: the ledger says so and it no longer verifies. */
    async function expectStruck(f: LedgerFixture, dataBlock: DataBlock, i: number, reason: number) {
      await expect(challenge(f, dataBlock, i))
        .to.emit(f.ledger, "DataBlockDisputed")
        .withArgs(
          dataBlock.blockId,
          f.stranger.address,
          dataBlock.leaf(i),
          dataBlock.operations[i].source,
          reason,
        );
      expect(await f.ledger.isOperationDisputed(dataBlock.blockId, dataBlock.leaf(i))).to.equal(
        true,
      );
      expect(
        await f.judge.verifyInclusion(
          dataBlock.blockId,
          dataBlock.operations[i],
          i,
          dataBlock.proof(i),
        ),
        "struck operation still verifies",
      ).to.equal(false);
      expect((await f.ledger.getDataBlock(dataBlock.blockId)).status).to.equal(
        DataBlockStatus.Disputed,
      );
    }

    /** Operation `i` breaks no rule: the challenge reverts, the verdict agrees, it verifies. */
    async function expectValid(f: LedgerFixture, dataBlock: DataBlock, i: number) {
      await expect(challenge(f, dataBlock, i))
        .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeValidOperation")
        .withArgs(dataBlock.blockId, dataBlock.leaf(i));
      const [valid] = await f.judge.verdict(dataBlock.blockId, dataBlock.operations[i]);
      expect(valid, `verdict on operation ${i}`).to.equal(true);
      expect(
        await f.judge.verifyInclusion(
          dataBlock.blockId,
          dataBlock.operations[i],
          i,
          dataBlock.proof(i),
        ),
      ).to.equal(true);
    }

    describe("submitDataBlock", function () {
      it("anchors the root with its count, sampling window and block timestamp", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        const at = (await time.latest()) + 50;
        await time.setNextBlockTimestamp(at);

        await expect(
          f.ledger
            .connect(f.gateway)
            .submitDataBlock(dataBlock.root, 3, 100n, 300n, "ipfs://block"),
        )
          .to.emit(f.ledger, "DataBlockAnchored")
          .withArgs(
            dataBlock.blockId,
            dataBlock.root,
            f.gateway.address,
            3,
            100n,
            300n,
            31337n,
            "ipfs://block",
          );

        const stored = await f.ledger.getDataBlock(dataBlock.blockId);
        expect(stored.blockId).to.equal(dataBlock.blockId);
        expect(await f.judge.dataBlockIdOf(f.gateway.address, dataBlock.root)).to.equal(
          dataBlock.blockId,
        );
        expect(stored.chainId).to.equal(31337n);
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

      it("rejects a root the same gateway already anchored, naming the block id", async function () {
        const { ledger, judge, gateway } = await networkHelpers.loadFixture(deployLedger);
        await ledger.connect(gateway).submitDataBlock(id("root"), 1, 1, 1, "");

        await expect(ledger.connect(gateway).submitDataBlock(id("root"), 2, 1, 2, "other"))
          .to.be.revertedWithCustomError(ledger, "DataRegistryDuplicateDataBlock")
          .withArgs(await judge.dataBlockIdOf(gateway.address, id("root")));
      });

      it("front-running: a rival's copy of the root is its own block; the honest block anchors and nothing of it can be struck", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const [rival] = f.spare;
        await f.ledger.connect(f.operator).grantRole(await f.ledger.GATEWAY_ROLE(), rival.address);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        // The rival sees the honest transaction and anchors its root first, with a false
        // count, a range that leaves every operation outside it, and its own URI.
        await expect(
          f.ledger.connect(rival).submitDataBlock(dataBlock.root, 1, 1, 1, "ipfs://rival"),
        ).to.emit(f.ledger, "DataBlockAnchored");
        await anchor(f, dataBlock);
        const copyId = await f.judge.dataBlockIdOf(rival.address, dataBlock.root);
        expect(copyId).to.not.equal(dataBlock.blockId);
        const copy = await f.ledger.getDataBlock(copyId);
        expect(copy.gateway).to.equal(rival.address);
        expect((await f.ledger.getDataBlock(dataBlock.blockId)).count).to.equal(3);

        for (let i = 0; i < 3; i++) {
          const op = dataBlock.operations[i];
          await expectValid(f, dataBlock, i);
          // No operation of the honest block verifies in the copy: its leaves are the rival's.
          expect(await f.judge.verifyInclusion(copyId, op, i, dataBlock.proof(i))).to.equal(false);
          await expect(f.judge.challenge(copyId, op, i, dataBlock.proof(i)))
            .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof")
            .withArgs(copyId, leafHash(rival.address, op));
          // Nor can the copy, anchored earlier, strike it as a duplicate.
          await expect(
            f.judge.challengeDuplicate(
              dataBlock.blockId,
              op,
              i,
              dataBlock.proof(i),
              copyId,
              op,
              i,
              dataBlock.proof(i),
            ),
          ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof");
        }
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(0n);
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
      it("the judge's leafHash is the SDK's and binds the gateway", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );

        for (let i = 0; i < dataBlock.operations.length; i++) {
          const op = dataBlock.operations[i];
          expect(await f.judge.leafHash(f.gateway.address, op)).to.equal(dataBlock.leaf(i));
          expect(await f.judge.leafHash(f.stranger.address, op)).to.not.equal(dataBlock.leaf(i));
        }
      });

      it("proves every operation of an anchored block and nothing else", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        const outsider = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("outsider", f.formatId),
          1n,
        );

        const [op0] = dataBlock.operations;
        expect(
          await f.judge.verifyInclusion(dataBlock.blockId, op0, 0, dataBlock.proof(0)),
        ).to.equal(false);
        await anchor(f, dataBlock);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          expect(
            await f.judge.verifyInclusion(
              dataBlock.blockId,
              dataBlock.operations[i],
              i,
              dataBlock.proof(i),
            ),
          ).to.equal(true);
        }
        expect(
          await f.judge.verifyInclusion(dataBlock.blockId, op0, 1, dataBlock.proof(1)),
        ).to.equal(false);
        expect(
          await f.judge.verifyInclusion(dataBlock.blockId, outsider, 0, dataBlock.proof(0)),
        ).to.equal(false);
        // Any change to the operation is another leaf.
        expect(
          await f.judge.verifyInclusion(
            dataBlock.blockId,
            { ...op0, deadline: op0.deadline + 1n },
            0,
            dataBlock.proof(0),
          ),
        ).to.equal(false);
        expect(
          await f.judge.verifyInclusion(
            dataBlock.blockId,
            { ...op0, record: { ...op0.record, uri: "ipfs://swapped" } },
            0,
            dataBlock.proof(0),
          ),
        ).to.equal(false);
        expect(
          await f.judge.verifyInclusion(id("other block"), op0, 0, dataBlock.proof(0)),
        ).to.equal(false);
        // Three operations: depth 2. An index past the count, or a proof of another length, is
        // refused even where the hashes would add up.
        expect(
          await f.judge.verifyInclusion(dataBlock.blockId, op0, 4, dataBlock.proof(0)),
        ).to.equal(false);
        expect(
          await f.judge.verifyInclusion(dataBlock.blockId, op0, 0, [
            ...dataBlock.proof(0),
            ZeroHash,
          ]),
        ).to.equal(false);
      });

      it("does not let an inner node pass as a leaf: a proof shortened by one level fails", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const fourth = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("b-4", f.formatId, { sampledAt: 400n }),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          fourth,
        ]);
        await anchor(f, dataBlock);

        for (let i = 0; i < 4; i++) {
          const op = dataBlock.operations[i];
          const proof = dataBlock.proof(i);
          expect(proof).to.have.length(2);
          expect(await f.judge.verifyInclusion(dataBlock.blockId, op, i, proof)).to.equal(true);

          // The leaf hashed with its sibling is an inner node of the tree, and the rest of the
          // proof takes that node to the root: a verifier taking a raw leaf would accept it.
          const node = dataBlockNode(
            ...((i % 2 === 0 ? [dataBlock.leaf(i), proof[0]] : [proof[0], dataBlock.leaf(i)]) as [
              Hex,
              Hex,
            ]),
          );
          expect(dataBlockProofRoot(node, i >> 1, [proof[1] as Hex])).to.equal(dataBlock.root);

          // The judge hashes the leaf from the operation itself and wants the block's depth, so
          // the shortened proof fails at either index.
          for (const index of [i, i >> 1]) {
            expect(
              await f.judge.verifyInclusion(dataBlock.blockId, op, index, proof.slice(1)),
            ).to.equal(false);
            expect(await f.judge.verifyInclusion(dataBlock.blockId, op, index, [])).to.equal(false);
          }
          // A padding-free slot cannot be challenged as empty or as past the count.
          await expect(
            f.judge.challengeCount(dataBlock.blockId, i, dataBlock.leaf(i), proof),
          ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeCountHolds");
        }
      });

      it("proves a single-operation block with an empty proof", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const [op] = await validOperations(f, await inOneHour());
        const dataBlock = buildDataBlock(f.gateway.address, [op]);
        await anchor(f, dataBlock);

        expect(dataBlock.proof(0)).to.deep.equal([]);
        expect(dataBlock.root).to.equal(dataBlock.leaf(0));
        expect(await f.judge.verifyInclusion(dataBlock.blockId, op, 0, [])).to.equal(true);
        expect(await f.judge.verifyInclusion(dataBlock.blockId, op, 0, [dataBlock.root])).to.equal(
          false,
        );
        expect(await f.judge.verifyInclusion(dataBlock.blockId, op, 1, [])).to.equal(false);
      });
    });

    describe("DataBlockJudge: challenge", function () {
      it("is the ledger's own judge, deployed by its constructor", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);

        expect(await f.judge.getAddress()).to.equal(await f.ledger.dataBlockJudge());
        expect(await f.judge.ledger()).to.equal(await f.ledger.getAddress());
      });

      it("reverts for a validly signed operation of an active source, striking nothing", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        await anchor(f, dataBlock);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expectValid(f, dataBlock, i);
        }
        expect((await f.ledger.getDataBlock(dataBlock.blockId)).status).to.equal(
          DataBlockStatus.Anchored,
        );
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(0n);
      });

      it("strikes only a forged operation (InvalidSignature): its neighbours keep verifying", async function () {
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
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          forged,
        ]);
        await anchor(f, dataBlock);

        // The challenge returns the rule it found broken.
        expect(
          await f.judge
            .connect(f.stranger)
            .challenge.staticCall(dataBlock.blockId, forged, 3, dataBlock.proof(3)),
        ).to.equal(BigInt(DisputeReason.InvalidSignature));
        await expectStruck(f, dataBlock, 3, DisputeReason.InvalidSignature);

        expect((await f.ledger.getDataBlock(dataBlock.blockId)).status).to.equal(
          DataBlockStatus.Disputed,
        );
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(1n);
        for (const i of [0, 1, 2]) {
          expect(await f.ledger.isOperationDisputed(dataBlock.blockId, dataBlock.leaf(i))).to.equal(
            false,
          );
          expect(
            await f.judge.verifyInclusion(
              dataBlock.blockId,
              dataBlock.operations[i],
              i,
              dataBlock.proof(i),
            ),
            `neighbour ${i} still verifies`,
          ).to.equal(true);
          // And the honest neighbours cannot be struck in its wake.
          await expectValid(f, dataBlock, i);
        }
      });

      it("strikes an operation once; another bad operation of the block still can be, and disputesOf counts both", async function () {
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
        const byStranger = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("stranger", f.formatId),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          forged,
          ...(await validOperations(f, deadline)),
          byStranger,
        ]);
        await anchor(f, dataBlock);

        await expectStruck(f, dataBlock, 0, DisputeReason.InvalidSignature);
        await expect(challenge(f, dataBlock, 0))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeAlreadyDisputed")
          .withArgs(dataBlock.blockId, dataBlock.leaf(0));
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(1n);

        await expectStruck(f, dataBlock, 4, DisputeReason.InactiveSource);
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(2n);
        for (const i of [1, 2, 3]) {
          expect(
            await f.judge.verifyInclusion(
              dataBlock.blockId,
              dataBlock.operations[i],
              i,
              dataBlock.proof(i),
            ),
          ).to.equal(true);
        }
        // Another gateway's count is its own.
        expect(await f.ledger.disputesOf(f.stranger.address)).to.equal(0n);
      });

      it("strikes an unparseable signature (InvalidSignature)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const garbage: SignedOperation = {
          source: f.sourceKey.address,
          record: makeRecord("garbage", f.formatId),
          deadline: await inOneHour(),
          epoch: 0n,
          signature: "0xdeadbeef",
        };
        const dataBlock = buildDataBlock(f.gateway.address, [
          garbage,
          ...(await validOperations(f, garbage.deadline)),
        ]);
        await anchor(f, dataBlock);

        await expectStruck(f, dataBlock, 0, DisputeReason.InvalidSignature);
      });

      it("strikes an operation by a source suspended before anchoring (InactiveSource)", async function () {
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
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          bySuspended,
        ]);
        await anchor(f, dataBlock);

        await expectStruck(f, dataBlock, 3, DisputeReason.InactiveSource);
      });

      it("strikes an operation by a key that is no source (InactiveSource)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const byStranger = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("stranger", f.formatId),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [byStranger]);
        await anchor(f, dataBlock);

        await expectStruck(f, dataBlock, 0, DisputeReason.InactiveSource);
      });

      it("strikes an operation by a key rotated out in an earlier second (InactiveSource)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const [byOldKey] = await validOperations(f, deadline);
        await f.ledger
          .connect(f.sourceOwner)
          .rotateSourceKey(
            f.sourceId,
            f.spare[1].address,
            await keyProof(f.ledger, f.spare[1], f.sourceOwner),
          );
        const dataBlock = buildDataBlock(f.gateway.address, [byOldKey]);
        await anchor(f, dataBlock, (await time.latest()) + 1);

        await expectStruck(f, dataBlock, 0, DisputeReason.InactiveSource);
      });

      it("judges the source at anchoring time: suspension or rotation afterwards does not make it disputable", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        await anchor(f, dataBlock);
        await time.increase(10);
        await f.ledger
          .connect(f.sourceOwner)
          .rotateSourceKey(
            f.sourceId,
            f.spare[1].address,
            await keyProof(f.ledger, f.spare[1], f.sourceOwner),
          );
        await f.ledger.connect(f.operator).revokeSource(f.sourceId, 0);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expectValid(f, dataBlock, i);
        }
      });

      it("strikes operations signed before or during a suspension once the source is reactivated (StaleEpoch)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const [before] = await validOperations(f, deadline);
        await f.ledger.connect(f.operator).suspendSource(f.sourceId, 0);
        const during = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("while suspended", f.formatId),
          deadline,
        );
        await f.ledger.connect(f.operator).reactivateSource(f.sourceId);
        const fresh = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("fresh", f.formatId),
          deadline,
        );
        expect([before.epoch, during.epoch, fresh.epoch]).to.deep.equal([0n, 1n, 2n]);
        const dataBlock = buildDataBlock(f.gateway.address, [before, during, fresh]);
        await anchor(f, dataBlock, (await time.latest()) + 1);

        expect(
          await f.judge
            .connect(f.stranger)
            .challenge.staticCall(dataBlock.blockId, before, 0, dataBlock.proof(0)),
        ).to.equal(BigInt(DisputeReason.StaleEpoch));
        const [valid, reason] = await f.judge.verdict(dataBlock.blockId, during);
        expect([valid, reason]).to.deep.equal([false, BigInt(DisputeReason.StaleEpoch)]);
        await expectStruck(f, dataBlock, 0, DisputeReason.StaleEpoch);
        await expectStruck(f, dataBlock, 1, DisputeReason.StaleEpoch);
        await expectValid(f, dataBlock, 2);
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(2n);
      });

      it("strikes an operation a rotated-in key signed in the epoch before its rotation (StaleEpoch)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const newKey = f.spare[1];
        const deadline = await inOneHour();
        await f.ledger
          .connect(f.sourceOwner)
          .rotateSourceKey(
            f.sourceId,
            newKey.address,
            await keyProof(f.ledger, newKey, f.sourceOwner),
          );
        const inOldEpoch = await signRecord(
          newKey,
          f.ledger,
          makeRecord("old epoch", f.formatId),
          deadline,
          { epoch: 0n },
        );
        const inNewEpoch = await signRecord(
          newKey,
          f.ledger,
          makeRecord("new epoch", f.formatId),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [inOldEpoch, inNewEpoch]);
        await anchor(f, dataBlock, (await time.latest()) + 1);

        await expectStruck(f, dataBlock, 0, DisputeReason.StaleEpoch);
        await expectValid(f, dataBlock, 1);
      });

      it("strikes an operation by a suspended source as InactiveSource, not StaleEpoch", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const [op] = await validOperations(f, await inOneHour());
        await f.ledger.connect(f.operator).suspendSource(f.sourceId, 0);
        const dataBlock = buildDataBlock(f.gateway.address, [op]);
        await anchor(f, dataBlock, (await time.latest()) + 1);

        await expectStruck(f, dataBlock, 0, DisputeReason.InactiveSource);
      });

      it("strikes an operation anchored after its deadline (ExpiredSignature)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const shortDeadline = BigInt(await time.latest()) + 10n;
        const late = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("late", f.formatId),
          shortDeadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, await inOneHour())),
          late,
        ]);
        await anchor(f, dataBlock, shortDeadline + 1n);

        await expectStruck(f, dataBlock, 3, DisputeReason.ExpiredSignature);
        await expectValid(f, dataBlock, 0);
      });

      it("accepts an operation anchored in the very second of its deadline", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = BigInt(await time.latest()) + 10n;
        const dataBlock = buildDataBlock(f.gateway.address, await validOperations(f, deadline));
        await anchor(f, dataBlock, deadline);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expectValid(f, dataBlock, i);
        }
      });

      it("strikes an operation in a format that was never registered (UnknownFormat)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const unknown = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("unknown format", id("never registered")),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          unknown,
        ]);
        await anchor(f, dataBlock);

        await expectStruck(f, dataBlock, 3, DisputeReason.UnknownFormat);
      });

      it("strikes an operation in a format deprecated in an earlier second (DeprecatedFormat)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        await f.ledger.connect(f.operator).deprecateFormat(f.formatId);
        await anchor(f, dataBlock, (await time.latest()) + 1);

        await expectStruck(f, dataBlock, 0, DisputeReason.DeprecatedFormat);
      });

      it("strikes an operation in a format its source was not allowed (FormatNotAllowed), even if allowed later", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const noise = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("noise", f.otherFormatId),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          noise,
        ]);
        await anchor(f, dataBlock);
        await time.increase(10);
        await f.ledger.connect(f.operator).setSourceFormats(f.sourceId, [f.otherFormatId], true);

        await expectStruck(f, dataBlock, 3, DisputeReason.FormatNotAllowed);
      });

      it("leaves an operation valid when its format is disallowed or deprecated after the block", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        await anchor(f, dataBlock);
        await time.increase(10);
        await f.ledger.connect(f.operator).setSourceFormats(f.sourceId, [f.formatId], false);
        await f.ledger.connect(f.operator).deprecateFormat(f.formatId);

        await expectValid(f, dataBlock, 0);
      });

      it("strikes an operation sampled outside the block's declared range (OutsideSampledRange)", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        // Sampled at 300, 100 and 200; the gateway declares [100, 250].
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        await f.ledger
          .connect(f.gateway)
          .submitDataBlock(dataBlock.root, 3, 100n, 250n, "ipfs://block");

        await expectStruck(f, dataBlock, 0, DisputeReason.OutsideSampledRange);
        await expectValid(f, dataBlock, 1); // 100: the range is inclusive at both ends
        await expectValid(f, dataBlock, 2);
      });

      it("strikes an operation whose record was anchored directly before the block (DuplicateRecord), not after it", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const [before, after, other] = await validOperations(f, await inOneHour());
        await f.ledger
          .connect(f.stranger)
          .submitRecordBySig(before.source, before.record, before.deadline, before.signature);
        const dataBlock = buildDataBlock(f.gateway.address, [before, after, other]);
        await anchor(f, dataBlock, (await time.latest()) + 1);
        // Relaying a published operation after the block must not make the honest block
        // disputable: anyone could do it.
        await f.ledger
          .connect(f.stranger)
          .submitRecordBySig(after.source, after.record, after.deadline, after.signature);

        await expectStruck(f, dataBlock, 0, DisputeReason.DuplicateRecord);
        await expectValid(f, dataBlock, 1);
        await expectValid(f, dataBlock, 2);
      });

      it("verdict tells what a challenge would find without striking anything", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const byStranger = await signRecord(
          f.stranger,
          f.ledger,
          makeRecord("stranger", f.formatId),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          byStranger,
        ]);

        await expect(f.judge.verdict(dataBlock.blockId, byStranger))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeUnknownDataBlock")
          .withArgs(dataBlock.blockId);
        await anchor(f, dataBlock);

        const [valid, reason] = await f.judge.verdict(dataBlock.blockId, byStranger);
        expect(valid).to.equal(false);
        expect(reason).to.equal(BigInt(DisputeReason.InactiveSource));
        expect((await f.judge.verdict(dataBlock.blockId, dataBlock.operations[0]))[0]).to.equal(
          true,
        );
        expect(await f.ledger.isOperationDisputed(dataBlock.blockId, dataBlock.leaf(3))).to.equal(
          false,
        );
        expect((await f.ledger.getDataBlock(dataBlock.blockId)).status).to.equal(
          DataBlockStatus.Anchored,
        );
      });

      it("rejects a proof that does not place the operation under the root", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const dataBlock = buildDataBlock(f.gateway.address, await validOperations(f, deadline));
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

        await expect(f.judge.challenge(dataBlock.blockId, forged, 0, dataBlock.proof(0)))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof")
          .withArgs(dataBlock.blockId, await f.judge.leafHash(f.gateway.address, forged));
        await expect(
          f.judge.challenge(dataBlock.blockId, dataBlock.operations[0], 1, dataBlock.proof(1)),
        )
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof")
          .withArgs(dataBlock.blockId, dataBlock.leaf(0));
      });

      it("rejects an unknown root", async function () {
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
        const dataBlock = buildDataBlock(f.gateway.address, [
          forged,
          ...(await validOperations(f, deadline)),
        ]);

        await expect(challenge(f, dataBlock, 0))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeUnknownDataBlock")
          .withArgs(dataBlock.blockId);
      });
    });

    describe("DataBlockJudge: changes in the block's own second", function () {
      /**
       * Mines `sends` in one block at `at`, in the order given, and returns their receipts. The
       * explicit gas limits keep ethers from estimating against the not yet mined block.
       */
      async function inOneBlock(
        at: number,
        sends: (() => Promise<ContractTransactionResponse>)[],
      ): Promise<ContractTransactionReceipt[]> {
        await ethers.provider.send("evm_setAutomine", [false]);
        try {
          const txs: ContractTransactionResponse[] = [];
          for (const send of sends) txs.push(await send());
          await time.setNextBlockTimestamp(at);
          await ethers.provider.send("evm_mine", []);
          const receipts = await Promise.all(txs.map((tx) => tx.wait()));
          return receipts.map((receipt) => receipt!);
        } finally {
          await ethers.provider.send("evm_setAutomine", [true]);
        }
      }

      function submitBlock(f: LedgerFixture, dataBlock: DataBlock) {
        return f.ledger
          .connect(f.gateway)
          .submitDataBlock(
            dataBlock.root,
            dataBlock.operations.length,
            dataBlock.firstSampledAt,
            dataBlock.lastSampledAt,
            "ipfs://block",
            { gasLimit: 1_000_000 },
          );
      }

      /** All mined, in one block, in the order they were sent. */
      function expectOneBlockInOrder(receipts: ContractTransactionReceipt[]) {
        for (const receipt of receipts) expect(receipt.status).to.equal(1);
        expect(new Set(receipts.map((r) => r.blockNumber)).size, "one block").to.equal(1);
        expect(receipts.map((r) => r.index)).to.deep.equal(receipts.map((_, i) => i));
      }

      it("the review's finding: a source owner rotating its key in the block's own block, after the block, cannot get it disputed", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        const at = (await time.latest()) + 10;

        const rotationProof = await keyProof(f.ledger, f.spare[1], f.sourceOwner);
        const receipts = await inOneBlock(at, [
          () => submitBlock(f, dataBlock),
          () =>
            f.ledger
              .connect(f.sourceOwner)
              .rotateSourceKey(f.sourceId, f.spare[1].address, rotationProof, {
                gasLimit: 1_000_000,
              }),
        ]);
        expectOneBlockInOrder(receipts);
        expect((await f.ledger.getDataBlock(dataBlock.blockId)).anchoredAt).to.equal(at);
        expect((await f.ledger.getSource(f.sourceId)).signer).to.equal(f.spare[1].address);
        expect(await f.ledger.isActiveSource(f.sourceKey.address)).to.equal(false);

        // The owner (or anyone) challenges its own leaves as "inactive at anchoring": refused.
        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expect(
            f.judge
              .connect(f.sourceOwner)
              .challenge(dataBlock.blockId, dataBlock.operations[i], i, dataBlock.proof(i)),
          )
            .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeValidOperation")
            .withArgs(dataBlock.blockId, dataBlock.leaf(i));
        }
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(0n);

        // A second later the old key is out: a block of then is disputable.
        const late = buildDataBlock(f.gateway.address, [
          await signRecord(
            f.sourceKey,
            f.ledger,
            makeRecord("late", f.formatId),
            BigInt(at) + 3600n,
          ),
        ]);
        await anchor(f, late, at + 1);
        await expectStruck(f, late, 0, DisputeReason.InactiveSource);
      });

      it("counts a rotation or suspension mined before the block in the same second as no change either", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const { key, sourceId } = await registerSecondSource(f);
        const deadline = await inOneHour();
        const bySecond = await signRecord(
          key,
          f.ledger,
          makeRecord("second", f.formatId),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          bySecond,
        ]);
        const at = (await time.latest()) + 10;

        const rotationProof = await keyProof(f.ledger, f.spare[1], f.sourceOwner);
        const receipts = await inOneBlock(at, [
          () =>
            f.ledger
              .connect(f.sourceOwner)
              .rotateSourceKey(f.sourceId, f.spare[1].address, rotationProof, {
                gasLimit: 1_000_000,
              }),
          () => f.ledger.connect(f.operator).suspendSource(sourceId, 0, { gasLimit: 1_000_000 }),
          () => submitBlock(f, dataBlock),
        ]);
        expectOneBlockInOrder(receipts);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expectValid(f, dataBlock, i);
        }
      });

      it("does not let a format deprecated or disallowed in the block's own second strike it", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        const at = (await time.latest()) + 10;

        const receipts = await inOneBlock(at, [
          () => submitBlock(f, dataBlock),
          () =>
            f.ledger
              .connect(f.operator)
              .setSourceFormats(f.sourceId, [f.formatId], false, { gasLimit: 1_000_000 }),
          () => f.ledger.connect(f.operator).deprecateFormat(f.formatId, { gasLimit: 1_000_000 }),
        ]);
        expectOneBlockInOrder(receipts);
        expect((await f.ledger.getFormat(f.formatId)).deprecatedAt).to.equal(at);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expectValid(f, dataBlock, i);
        }
      });

      it("leaves an operation whose source's epoch moved on only in the block's own second, after the block", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const dataBlock = buildDataBlock(f.gateway.address, await validOperations(f, deadline));
        const at = (await time.latest()) + 10;

        const receipts = await inOneBlock(at, [
          () => submitBlock(f, dataBlock),
          () => f.ledger.connect(f.operator).suspendSource(f.sourceId, 0, { gasLimit: 1_000_000 }),
          () => f.ledger.connect(f.operator).reactivateSource(f.sourceId, { gasLimit: 1_000_000 }),
        ]);
        expectOneBlockInOrder(receipts);
        expect((await f.ledger.getDataBlock(dataBlock.blockId)).anchoredAt).to.equal(at);
        expect((await f.ledger.getSource(f.sourceId)).epoch).to.equal(2n);

        for (let i = 0; i < dataBlock.operations.length; i++) {
          await expectValid(f, dataBlock, i);
        }

        // A second later epoch 0 is over: a block of then holding an operation of it is struck.
        const late = buildDataBlock(f.gateway.address, [
          await signRecord(f.sourceKey, f.ledger, makeRecord("late", f.formatId), deadline, {
            epoch: 0n,
          }),
        ]);
        await anchor(f, late, at + 1);
        await expectStruck(f, late, 0, DisputeReason.StaleEpoch);
      });

      it("takes the epoch at the end of the second before or of the block's second, not one that lasted only within it", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const ops = await Promise.all(
          [0n, 1n, 2n].map((epoch) =>
            signRecord(f.sourceKey, f.ledger, makeRecord(`epoch ${epoch}`, f.formatId), deadline, {
              epoch,
            }),
          ),
        );
        const dataBlock = buildDataBlock(f.gateway.address, ops);
        const at = (await time.latest()) + 10;

        // Suspended (epoch 1) and reactivated (epoch 2) before the block, in its own second.
        const receipts = await inOneBlock(at, [
          () => f.ledger.connect(f.operator).suspendSource(f.sourceId, 0, { gasLimit: 1_000_000 }),
          () => f.ledger.connect(f.operator).reactivateSource(f.sourceId, { gasLimit: 1_000_000 }),
          () => submitBlock(f, dataBlock),
        ]);
        expectOneBlockInOrder(receipts);

        await expectValid(f, dataBlock, 0); // the epoch at the end of the second before
        await expectValid(f, dataBlock, 2); // the epoch at the end of the block's second
        await expectStruck(f, dataBlock, 1, DisputeReason.StaleEpoch);
      });

      it("holds across consecutive blocks that share the block's timestamp", async function () {
        // A chain may mine several blocks in one second; EDR does when told to.
        const f = await sameSecond.networkHelpers.loadFixture(deployLedger);
        const deadline = BigInt(await sameSecond.networkHelpers.time.latest()) + 3600n;
        const ops = await Promise.all(
          (["c-1", "c-2"] as const).map((label) =>
            signRecord(f.sourceKey, f.ledger, makeRecord(label, f.formatId), deadline),
          ),
        );
        const dataBlock = buildDataBlock(f.gateway.address, ops);
        const at = (await sameSecond.networkHelpers.time.latest()) + 10;
        await sameSecond.networkHelpers.time.setNextBlockTimestamp(at);
        await f.ledger
          .connect(f.gateway)
          .submitDataBlock(
            dataBlock.root,
            2,
            dataBlock.firstSampledAt,
            dataBlock.lastSampledAt,
            "",
          );
        const anchoredIn = await sameSecond.ethers.provider.getBlockNumber();

        await sameSecond.ethers.provider.send("evm_setNextBlockTimestamp", [at]);
        await f.ledger
          .connect(f.sourceOwner)
          .rotateSourceKey(
            f.sourceId,
            f.spare[1].address,
            await keyProof(f.ledger, f.spare[1], f.sourceOwner),
          );
        const rotatedIn = await sameSecond.ethers.provider.getBlock("latest");
        expect(rotatedIn!.number).to.equal(anchoredIn + 1);
        expect(rotatedIn!.timestamp).to.equal(at);

        for (let i = 0; i < 2; i++) {
          await expect(
            f.judge
              .connect(f.sourceOwner)
              .challenge(dataBlock.blockId, dataBlock.operations[i], i, dataBlock.proof(i)),
          )
            .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeValidOperation")
            .withArgs(dataBlock.blockId, dataBlock.leaf(i));
        }
      });
    });

    describe("DataBlockJudge: epochs across blocks of one second", function () {
      it("leaves an operation whose source was suspended and reactivated in later blocks of the block's second", async function () {
        const { ethers: ethers2, networkHelpers: helpers2 } = sameSecond;
        const f = await helpers2.loadFixture(deployLedger);
        const deadline = BigInt(await helpers2.time.latest()) + 3600n;
        const dataBlock = buildDataBlock(f.gateway.address, [
          await signRecord(f.sourceKey, f.ledger, makeRecord("s-1", f.formatId), deadline),
        ]);
        const at = (await helpers2.time.latest()) + 10;
        await helpers2.time.setNextBlockTimestamp(at);
        await f.ledger
          .connect(f.gateway)
          .submitDataBlock(
            dataBlock.root,
            1,
            dataBlock.firstSampledAt,
            dataBlock.lastSampledAt,
            "",
          );
        const anchoredIn = await ethers2.provider.getBlockNumber();

        for (const change of [
          () => f.ledger.connect(f.operator).suspendSource(f.sourceId, 0),
          () => f.ledger.connect(f.operator).reactivateSource(f.sourceId),
        ]) {
          await ethers2.provider.send("evm_setNextBlockTimestamp", [at]);
          await change();
        }
        const last = await ethers2.provider.getBlock("latest");
        expect(last!.number).to.equal(anchoredIn + 2);
        expect(last!.timestamp).to.equal(at);
        expect((await f.ledger.getSource(f.sourceId)).epoch).to.equal(2n);

        await expect(
          f.judge
            .connect(f.stranger)
            .challenge(dataBlock.blockId, dataBlock.operations[0], 0, dataBlock.proof(0)),
        )
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeValidOperation")
          .withArgs(dataBlock.blockId, dataBlock.leaf(0));
      });
    });

    describe("DataBlockJudge: challengeCount", function () {
      /** Anchors `leaves` (operation leaves, zero slots, anything) as `count` operations. */
      async function anchorSlots(
        f: LedgerFixture,
        operations: SignedOperation[],
        extraSlots: string[],
        count: number,
      ) {
        const dataBlock = buildDataBlock(f.gateway.address, operations, extraSlots);
        await f.ledger
          .connect(f.gateway)
          .submitDataBlock(dataBlock.root, count, 0n, 2n ** 48n - 1n, "ipfs://block");
        return dataBlock;
      }

      it("proves a count too high: an empty slot below the count (WrongCount), once; honest operations stand", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        // Three operations claimed as four: slot 3 is zero.
        const dataBlock = await anchorSlots(f, await validOperations(f, await inOneHour()), [], 4);
        await expect(
          f.judge
            .connect(f.stranger)
            .challengeCount(dataBlock.blockId, 3, ZeroHash, dataBlock.proof(3)),
        )
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.blockId,
            f.stranger.address,
            ZeroHash,
            ethers.ZeroAddress,
            DisputeReason.WrongCount,
          );
        expect((await f.ledger.getDataBlock(dataBlock.blockId)).status).to.equal(
          DataBlockStatus.Disputed,
        );
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(1n);
        expect(await f.ledger.isOperationDisputed(dataBlock.blockId, ZeroHash)).to.equal(true);
        // The zero slot is disputed once per block.
        await expect(f.judge.challengeCount(dataBlock.blockId, 3, ZeroHash, dataBlock.proof(3)))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeAlreadyDisputed")
          .withArgs(dataBlock.blockId, ZeroHash);
        for (let i = 0; i < 3; i++) await expectValid(f, dataBlock, i);
      });

      it("proves a count too low: an operation past the count (WrongCount); the operations within it stand", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const hidden = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("hidden", f.formatId, { sampledAt: 150n }),
          deadline,
        );
        // Four operations in the tree, three claimed (the same depth, 2): operation 3 is past
        // the count, where no receipt can ever verify it.
        const dataBlock = await anchorSlots(
          f,
          [...(await validOperations(f, deadline)), hidden],
          [],
          3,
        );
        expect(
          await f.judge.verifyInclusion(dataBlock.blockId, hidden, 3, dataBlock.proof(3)),
        ).to.equal(false);
        await expect(
          f.judge
            .connect(f.stranger)
            .challengeCount(dataBlock.blockId, 3, dataBlock.leaf(3), dataBlock.proof(3)),
        )
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.blockId,
            f.stranger.address,
            dataBlock.leaf(3),
            ethers.ZeroAddress,
            DisputeReason.WrongCount,
          );
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(1n);
        for (let i = 0; i < 3; i++) await expectValid(f, dataBlock, i);
      });

      it("refuses a slot the proof does not place, a proof of another length, and a count that holds", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = await anchorSlots(f, await validOperations(f, await inOneHour()), [], 3);
        // Slot 3 (zero, past the count of 3) is where it should be: the count holds there.
        await expect(f.judge.challengeCount(dataBlock.blockId, 3, ZeroHash, dataBlock.proof(3)))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeCountHolds")
          .withArgs(dataBlock.blockId, 3, ZeroHash);
        // A claimed zero where an operation sits, or a claimed leaf in the padding.
        await expect(f.judge.challengeCount(dataBlock.blockId, 1, ZeroHash, dataBlock.proof(1)))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof")
          .withArgs(dataBlock.blockId, ZeroHash);
        await expect(
          f.judge.challengeCount(dataBlock.blockId, 3, dataBlock.leaf(0), dataBlock.proof(3)),
        ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof");
        // One sibling short or long; an index past the tree; an unknown block.
        for (const [index, proof] of [
          [3, dataBlock.proof(3).slice(1)],
          [3, [...dataBlock.proof(3), ZeroHash]],
          [7, dataBlock.proof(3)],
        ] as const) {
          await expect(
            f.judge.challengeCount(dataBlock.blockId, index, ZeroHash, [...proof]),
          ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeInvalidProof");
        }
        await expect(f.judge.challengeCount(id("no block"), 3, ZeroHash, dataBlock.proof(3)))
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeUnknownDataBlock")
          .withArgs(id("no block"));
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(0n);
      });

      it("cannot be proved against an honest block of any size (1..40 operations, every slot)", async function () {
        this.timeout(120_000);
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const all = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            signRecord(f.sourceKey, f.ledger, makeRecord(`honest-${i}`, f.formatId), deadline),
          ),
        );
        // Random sizes, plus the edges: 1, powers of two and one past them.
        const random = Array.from({ length: 4 }, () => 1 + Math.floor(Math.random() * 40));
        for (const size of [1, 2, 3, 8, 9, 40, ...random]) {
          const operations = all.slice(0, size);
          const dataBlock = await anchorSlots(f, operations, [], size);
          for (let i = 0; i < 2 ** dataBlock.tree.depth; i++) {
            const slot = i < size ? dataBlock.leaf(i) : ZeroHash;
            await expect(
              f.judge.challengeCount(dataBlock.blockId, i, slot, dataBlock.proof(i)),
              `size ${size}, slot ${i}`,
            ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeCountHolds");
          }
          for (const i of new Set([0, size - 1])) {
            await expect(
              f.judge.challenge(dataBlock.blockId, operations[i], i, dataBlock.proof(i)),
            ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeValidOperation");
          }
          // Distinct readings: no duplicate within the block either.
          if (size > 1) {
            await expect(
              f.judge.challengeDuplicate(
                dataBlock.blockId,
                operations[1],
                1,
                dataBlock.proof(1),
                dataBlock.blockId,
                operations[0],
                0,
                dataBlock.proof(0),
              ),
            ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeNotDuplicate");
          }
          // Back to the fixture's state: a random size may repeat one (the same root again),
          // and each block should be judged alone.
          await networkHelpers.loadFixture(deployLedger);
        }
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(0n);
      });
    });

    describe("DataBlockJudge: a format with unique data hashes", function () {
      it("strikes a block operation of such a format (UniqueDataHashFormat), whoever holds the hash", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const unique = id("unique-format");
        await f.ledger
          .connect(f.operator)
          .registerFormat(unique, "deposit", "1", "ipfs://deposit", FORMAT_UNIQUE_DATA_HASHES);
        await f.ledger.connect(f.operator).setSourceFormats(f.sourceId, [unique], true);
        const deadline = await inOneHour();
        const deposit = await signRecord(
          f.sourceKey,
          f.ledger,
          makeRecord("deposit", unique),
          deadline,
        );
        const dataBlock = buildDataBlock(f.gateway.address, [
          ...(await validOperations(f, deadline)),
          deposit,
        ]);
        await anchor(f, dataBlock);
        const [valid, reason] = await f.judge.verdict(dataBlock.blockId, deposit);
        expect(valid).to.equal(false);
        expect(reason).to.equal(BigInt(DisputeReason.UniqueDataHashFormat));
        await expectStruck(f, dataBlock, 3, DisputeReason.UniqueDataHashFormat);
        // The block's leaf never held the hash: the direct path still can.
        expect(await f.ledger.dataHashHolder(deposit.record.dataHash)).to.equal(ZeroHash);
        for (let i = 0; i < 3; i++) await expectValid(f, dataBlock, i);
      });
    });

    describe("DataBlockJudge: challengeDuplicate", function () {
      it("strikes only the later block's copy of a record; the earlier copy and the later block's other operations stand", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const [op, neighbour] = await validOperations(f, deadline);
        // The same reading signed again (another deadline): the same record id, another leaf.
        const again = await signRecord(f.sourceKey, f.ledger, op.record, deadline + 1n);
        expect(recordIdOf(again.source, again.record)).to.equal(recordIdOf(op.source, op.record));
        const first = buildDataBlock(f.gateway.address, [op]);
        const second = buildDataBlock(f.gateway.address, [again, neighbour]);
        expect(second.leaf(0)).to.not.equal(first.leaf(0));
        await anchor(f, first);
        await anchor(f, second, (await time.latest()) + 1);

        // The plain challenge finds nothing: neither copy was anchored directly.
        await expectValid(f, second, 0);

        // The earlier copy is not the duplicate.
        await expect(
          f.judge
            .connect(f.stranger)
            .challengeDuplicate(
              first.blockId,
              op,
              0,
              [],
              second.blockId,
              again,
              0,
              second.proof(0),
            ),
        )
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeNotDuplicate")
          .withArgs(first.blockId, first.leaf(0), second.blockId, second.leaf(0));

        // Another record is no duplicate either.
        await expect(
          f.judge
            .connect(f.stranger)
            .challengeDuplicate(
              second.blockId,
              neighbour,
              1,
              second.proof(1),
              first.blockId,
              op,
              0,
              [],
            ),
        )
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeNotDuplicate")
          .withArgs(second.blockId, second.leaf(1), first.blockId, first.leaf(0));

        await expect(
          f.judge
            .connect(f.stranger)
            .challengeDuplicate(
              second.blockId,
              again,
              0,
              second.proof(0),
              first.blockId,
              op,
              0,
              [],
            ),
        )
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            second.blockId,
            f.stranger.address,
            second.leaf(0),
            f.sourceKey.address,
            DisputeReason.DuplicateRecord,
          );

        expect(await f.judge.verifyInclusion(first.blockId, op, 0, [])).to.equal(true);
        expect((await f.ledger.getDataBlock(first.blockId)).status).to.equal(
          DataBlockStatus.Anchored,
        );
        expect(await f.judge.verifyInclusion(second.blockId, again, 0, second.proof(0))).to.equal(
          false,
        );
        expect(
          await f.judge.verifyInclusion(second.blockId, neighbour, 1, second.proof(1)),
        ).to.equal(true);
        expect((await f.ledger.getDataBlock(second.blockId)).status).to.equal(
          DataBlockStatus.Disputed,
        );
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(1n);

        // Struck once only; and the copy that stands cannot be struck in turn.
        await expect(
          f.judge
            .connect(f.stranger)
            .challengeDuplicate(
              second.blockId,
              again,
              0,
              second.proof(0),
              first.blockId,
              op,
              0,
              [],
            ),
        )
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeAlreadyDisputed")
          .withArgs(second.blockId, second.leaf(0));
        await expect(
          f.judge
            .connect(f.stranger)
            .challengeDuplicate(
              first.blockId,
              op,
              0,
              [],
              second.blockId,
              again,
              0,
              second.proof(0),
            ),
        ).to.be.revertedWithCustomError(f.judge, "DataBlockJudgeAlreadyDisputed");
        expect(await f.ledger.disputesOf(f.gateway.address)).to.equal(1n);
      });

      it("needs the earlier copy to be a valid operation itself", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const deadline = await inOneHour();
        const [op] = await validOperations(f, deadline);
        const forged = await signRecord(f.stranger, f.ledger, op.record, deadline + 1n, {
          source: f.sourceKey.address,
        });
        const first = buildDataBlock(f.gateway.address, [forged]);
        const second = buildDataBlock(f.gateway.address, [op]);
        await anchor(f, first);
        await anchor(f, second, (await time.latest()) + 1);

        await expect(
          f.judge.challengeDuplicate(second.blockId, op, 0, [], first.blockId, forged, 0, []),
        )
          .to.be.revertedWithCustomError(f.judge, "DataBlockJudgeNotDuplicate")
          .withArgs(second.blockId, second.leaf(0), first.blockId, first.leaf(0));
        expect(await f.judge.verifyInclusion(second.blockId, op, 0, [])).to.equal(true);
      });
    });

    describe("recordDispute", function () {
      it("is for the ledger's judge only", async function () {
        const f = await networkHelpers.loadFixture(deployLedger);
        const dataBlock = buildDataBlock(
          f.gateway.address,
          await validOperations(f, await inOneHour()),
        );
        await anchor(f, dataBlock);
        const args = [
          dataBlock.blockId,
          dataBlock.leaf(0),
          f.sourceKey.address,
          f.stranger.address,
          DisputeReason.InvalidSignature,
        ] as const;

        for (const caller of [
          f.admin,
          f.operator,
          f.supervisor,
          f.gateway,
          f.sourceKey,
          f.stranger,
        ]) {
          await expect(f.ledger.connect(caller).recordDispute(...args))
            .to.be.revertedWithCustomError(f.ledger, "DataRegistryNotJudge")
            .withArgs(caller.address);
        }
        expect(await f.ledger.isOperationDisputed(dataBlock.blockId, dataBlock.leaf(0))).to.equal(
          false,
        );

        // The judge's own address can (and only it does, after judging the proof).
        const judgeAddress = await f.judge.getAddress();
        await networkHelpers.impersonateAccount(judgeAddress);
        await networkHelpers.setBalance(judgeAddress, 10n ** 18n);
        const judgeSigner = await ethers.getSigner(judgeAddress);
        await expect(f.ledger.connect(judgeSigner).recordDispute(...args))
          .to.emit(f.ledger, "DataBlockDisputed")
          .withArgs(
            dataBlock.blockId,
            f.stranger.address,
            dataBlock.leaf(0),
            f.sourceKey.address,
            DisputeReason.InvalidSignature,
          );
        await networkHelpers.stopImpersonatingAccount(judgeAddress);
        expect(await f.ledger.isOperationDisputed(dataBlock.blockId, dataBlock.leaf(0))).to.equal(
          true,
        );
      });
    });
  });
});
