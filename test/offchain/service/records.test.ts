import { expect } from "chai";
import { createPublicClient, custom, keccak256, toBytes, type Hex } from "viem";

import { canonicalJson } from "../../../offchain/sdk/canonicalJson.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { verifyReceipt } from "../../../offchain/sdk/verifyReceipt.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { publishDataBlock } from "../../helpers/publishDataBlock.js";
import { createServiceHarness, type ServiceHarness } from "./serviceHarness.js";
import { keyProof } from "../../helpers/keyProof.js";

for (const target of databaseTargets()) {
  describe(`offchain/service: record search, lookup and payload access (${target.name})`, function () {
    this.timeout(120_000);
    let h: ServiceHarness;
    let token: string;
    const payloads = Array.from({ length: 5 }, (_, i) => ({ station: "A1", pm25: 10 + i, seq: i }));
    let blockOps: SignedOperation[];
    let relayed: SignedOperation;
    let other: SignedOperation;
    let unstored: SignedOperation;
    const directPayload = { station: "B2", pm25: 99 };
    let directHash: Hex;
    let directId: Hex;
    /** The routes take record ids: the signing key's statement about one reading. */
    const idOf = (op: SignedOperation) => recordId(op.source, op.record);

    before(async () => {
      h = await createServiceHarness(target.open);
      const { fx } = h;
      blockOps = await Promise.all(payloads.map((p, i) => h.signed(p, 1000 + i * 100)));
      await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs: h.blobs,
        operations: blockOps,
      });
      relayed = await h.signed({ station: "A1", pm25: 50 }, 2000);
      await (
        await fx.ledger
          .connect(fx.stranger)
          .submitRecordBySig(relayed.source, relayed.record, relayed.deadline, relayed.signature)
      ).wait();
      other = await h.signed({ noise: 40 }, 1500, fx.otherFormatId);
      unstored = await h.signed({ station: "A1", pm25: 77 }, 3000, fx.formatId, false);
      await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs: h.blobs,
        operations: [other, unstored],
      });
      directHash = keccak256(toBytes(canonicalJson(directPayload)));
      directId = recordId(fx.sourceKey.address as Hex, { dataHash: directHash, sampledAt: 500 });
      await h.blobs.put(toBytes(canonicalJson(directPayload)));
      await (
        await fx.ledger.connect(fx.sourceKey).submitRecord({
          dataHash: directHash,
          formatId: fx.formatId,
          metadataHash: keccak256(toBytes("m")),
          sampledAt: 500,
          uri: "",
        })
      ).wait();
      await h.indexer.syncToHead();
      token = await h.signIn(h.fx.user);
    });
    after(() => h.close());

    const search = (query: string, t = token) => h.request(`/v1/records?${query}`, { token: t });
    async function grant(seconds: number) {
      const expiresAt = (await h.chainNow()) + seconds;
      await (
        await h.fx.access.connect(h.fx.datasetOwner).grantAccess(1n, h.fx.user.address, expiresAt)
      ).wait();
    }

    it("requires a session and a live on-chain grant on the dataset", async () => {
      expect((await search("datasetId=1", "")).body.error.code).to.equal("UNAUTHENTICATED");
      const denied = await search("datasetId=1");
      expect(denied.status).to.equal(403);
      expect(denied.body.error.code).to.equal("ACCESS_DENIED");
      expect((await search("")).body.error.code).to.equal("VALIDATION_FAILED");
    });

    it("lists the dataset's records (its sources and formats only) with filters", async () => {
      await grant(3600);
      const all = await search("datasetId=1&limit=100");
      expect(all.status).to.equal(200);
      const hashes = all.body.records.map((r: { dataHash: string }) => r.dataHash);
      expect(hashes).to.deep.equal([
        ...blockOps.map((op) => op.record.dataHash),
        relayed.record.dataHash,
        unstored.record.dataHash,
        directHash,
      ]);
      expect(hashes).not.to.include(other.record.dataHash); // format not in dataset 1
      expect(all.body.nextCursor).to.equal(null);

      const bySource = await search("datasetId=1&sourceId=1");
      expect(bySource.body.records.map((r: { dataHash: string }) => r.dataHash)).to.deep.equal([
        directHash,
      ]);
      const byKey = await search(`datasetId=1&sourceKey=${h.device.address}`);
      expect(byKey.body.records).to.have.length(7);
      const byFormat = await search(`datasetId=1&formatId=${h.fx.otherFormatId}`);
      expect(byFormat.body.records).to.have.length(0);
      const byTime = await search("datasetId=1&sampledFrom=1100&sampledTo=1300");
      expect(byTime.body.records.map((r: { sampledAt: number }) => r.sampledAt)).to.deep.equal([
        1100, 1200, 1300,
      ]);
      const byHash = await search(`datasetId=1&dataHash=${relayed.record.dataHash}`);
      expect(byHash.body.records).to.have.length(1);
      expect(byHash.body.records[0]).to.include({
        kind: "relayed",
        sourceId: "2",
        status: "active",
      });
    });

    it("pages with an opaque cursor and rejects a malformed one", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { body: { records: { dataHash: string }[]; nextCursor: string | null } } =
          await search(`datasetId=1&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...page.body.records.map((r) => r.dataHash));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).to.equal(3);
      expect(seen).to.have.length(8);
      expect(new Set(seen).size).to.equal(8);
      const bad = await search("datasetId=1&cursor=bm9wZQ");
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal("VALIDATION_FAILED");
    });

    it("returns a record with a receipt verifyReceipt accepts against the chain", async () => {
      const publicClient = createPublicClient({ transport: custom(h.connection.provider) });
      const block = await h.request(`/v1/records/${idOf(blockOps[2])}`, { token });
      expect(block.status).to.equal(200);
      expect(block.body.record).to.include({
        recordId: idOf(blockOps[2]),
        dataHash: blockOps[2].record.dataHash,
        kind: "block",
        leafIndex: 2,
        sourceId: "2",
      });
      expect(block.body.record.receipt.recordId).to.equal(idOf(blockOps[2]));
      const result = await verifyReceipt({
        payload: payloads[2],
        receipt: block.body.record.receipt,
        publicClient,
        ledgerAddress: h.ledgerAddress,
      });
      expect(result.sourceId).to.equal(2n);
      expect(result.anchoredAt).to.equal(block.body.record.anchoredAt);

      const relayedRecord = await h.request(`/v1/records/${idOf(relayed)}`, { token });
      const relayedResult = await verifyReceipt({
        payload: { station: "A1", pm25: 50 },
        receipt: relayedRecord.body.record.receipt,
        publicClient,
        ledgerAddress: h.ledgerAddress,
      });
      expect(relayedResult.kind).to.equal("record");
      expect(relayedResult.recordId).to.equal(idOf(relayed));

      const direct = await h.request(`/v1/records/${directId}`, { token });
      expect(direct.body.record).to.include({
        recordId: directId,
        kind: "direct",
        receipt: null,
        sourceId: "1",
      });
      // The data hash is not a record id: nothing is found under it.
      expect((await h.request(`/v1/records/${directHash}`, { token })).status).to.equal(404);

      const missing = await h.request(`/v1/records/0x${"ab".repeat(32)}`, { token });
      expect(missing.status).to.equal(404);
      expect(missing.body.error.code).to.equal("NOT_FOUND");
      const malformed = await h.request("/v1/records/0x1234", { token });
      expect(malformed.body.error.code).to.equal("VALIDATION_FAILED");
    });

    it("hands out receipts naming the epoch each signature was made in, before and after the source's epoch moved on", async () => {
      const { fx } = h;
      const publicClient = createPublicClient({ transport: custom(h.connection.provider) });
      await (await fx.ledger.connect(fx.operator).suspendSource(2n, 0)).wait();
      await (await fx.ledger.connect(fx.operator).reactivateSource(2n)).wait();
      const relayedPayload = { station: "A1", pm25: 60 };
      const leafPayload = { station: "A1", pm25: 61 };
      const relayedLater = await h.signed(relayedPayload, 4000);
      const leafLater = await h.signed(leafPayload, 4100);
      expect([relayedLater.epoch, leafLater.epoch]).to.deep.equal([2, 2]);
      await (
        await fx.ledger
          .connect(fx.stranger)
          .submitRecordBySig(
            relayedLater.source,
            relayedLater.record,
            relayedLater.deadline,
            relayedLater.signature,
          )
      ).wait();
      await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs: h.blobs,
        operations: [leafLater],
      });
      await h.indexer.syncToHead();

      for (const [what, op, payload, epoch] of [
        ["block leaf of epoch 0", blockOps[1], payloads[1], 0],
        ["relayed record of epoch 0", relayed, { station: "A1", pm25: 50 }, 0],
        ["relayed record of epoch 2", relayedLater, relayedPayload, 2],
        ["block leaf of epoch 2", leafLater, leafPayload, 2],
      ] as const) {
        const { status, body } = await h.request(`/v1/records/${idOf(op)}`, { token });
        expect(status, what).to.equal(200);
        expect(body.record.receipt.operation.epoch, what).to.equal(epoch);
        // Judged at its anchoring: a receipt stays good after the epoch moves on.
        const result = await verifyReceipt({
          payload,
          receipt: body.record.receipt,
          publicClient,
          ledgerAddress: h.ledgerAddress,
        });
        expect(result.recordId, what).to.equal(idOf(op));
      }

      // The epoch is signed: a receipt naming another one does not verify.
      const { body } = await h.request(`/v1/records/${idOf(relayedLater)}`, { token });
      const forged = {
        ...body.record.receipt,
        operation: { ...body.record.receipt.operation, epoch: 0 },
      };
      let code: string | undefined;
      try {
        await verifyReceipt({
          payload: relayedPayload,
          receipt: forged,
          publicClient,
          ledgerAddress: h.ledgerAddress,
        });
      } catch (error) {
        code = (error as { code?: string }).code;
      }
      expect(code).to.equal("RECEIPT_SIGNATURE_INVALID");
    });

    it("refuses record lookups to accounts without USER_ROLE", async () => {
      const strangerToken = await h.signIn(h.fx.stranger);
      const denied = await h.request(`/v1/records/${directId}`, { token: strangerToken });
      expect(denied.status).to.equal(403);
      expect(denied.body.error.code).to.equal("ACCESS_DENIED");
    });

    it("serves a payload under a live grant only: not outside the dataset, not after expiry or revocation", async () => {
      const payloadOf = (id: string, query = "") =>
        h.request(`/v1/records/${id}/payload${query}`, { token });
      await grant(120);
      const ok = await payloadOf(idOf(blockOps[0]));
      expect(ok.status).to.equal(200);
      expect(ok.response.headers.get("content-type")).to.equal("application/json");
      expect(await ok.response.text()).to.equal(canonicalJson(payloads[0]));
      expect((await payloadOf(directId, "?datasetId=1")).status).to.equal(200);
      expect((await payloadOf(directId, "?datasetId=2")).body.error.code).to.equal("ACCESS_DENIED");

      const outside = await payloadOf(idOf(other));
      expect(outside.status).to.equal(403);
      expect(outside.body.error.code).to.equal("ACCESS_DENIED");
      const notStored = await payloadOf(idOf(unstored));
      expect(notStored.status).to.equal(404);
      expect(notStored.body.error.code).to.equal("PAYLOAD_NOT_FOUND");
      expect((await payloadOf(`0x${"cd".repeat(32)}`)).body.error.code).to.equal("NOT_FOUND");

      await h.connection.networkHelpers.time.increase(121);
      const expired = await payloadOf(idOf(blockOps[0]));
      expect(expired.status).to.equal(403);
      expect(expired.body.error.code).to.equal("ACCESS_DENIED");

      await grant(3600);
      expect((await payloadOf(idOf(blockOps[0]))).status).to.equal(200);
      await (
        await h.fx.access.connect(h.fx.datasetOwner).revokeAccess(1n, h.fx.user.address)
      ).wait();
      // No re-indexing in between: the service asks the chain, so the revocation bites at once.
      const revoked = await payloadOf(idOf(blockOps[0]));
      expect(revoked.status).to.equal(403);
      expect(revoked.body.error.code).to.equal("ACCESS_DENIED");
      expect((await search("datasetId=1")).body.error.code).to.equal("ACCESS_DENIED");
    });

    it("answers a payload read from the one-block grant cache only for the dataset, user, source and format it checked", async () => {
      // Every part of canRead's question, varied on its own against one allowed read: a source
      // outside dataset 1 with the dataset's format, the same source with a format outside it,
      // a USER_ROLE holder without a grant, a dataset covering the record without a grant.
      const { fx } = h;
      await grant(3600);
      const outsiderKey = fx.spare[0];
      await (
        await fx.ledger
          .connect(fx.operator)
          .registerSource(
            outsiderKey.address,
            fx.sourceOwner.address,
            keccak256(toBytes("outsider")),
            "ipfs://outsider",
            [fx.formatId],
            await keyProof(fx.ledger, outsiderKey, fx.sourceOwner.address),
          )
      ).wait();
      const outsiderPayload = { station: "C3", pm25: 5 };
      const outsiderHash = await h.blobs.put(toBytes(canonicalJson(outsiderPayload)));
      await (
        await fx.ledger.connect(outsiderKey).submitRecord({
          dataHash: outsiderHash,
          formatId: fx.formatId,
          metadataHash: keccak256(toBytes("m")),
          sampledAt: 600,
          uri: "",
        })
      ).wait();
      await (
        await fx.access.connect(fx.datasetOwner).createDataset("", [2n], [fx.formatId])
      ).wait();
      const otherUser = fx.spare[1];
      await (
        await fx.ledger.connect(fx.operator).grantRole(await fx.ledger.USER_ROLE(), otherUser)
      ).wait();
      const otherToken = await h.signIn(otherUser);
      await h.indexer.syncToHead();

      const outsiderId = recordId(outsiderKey.address as Hex, {
        dataHash: outsiderHash,
        sampledAt: 600,
      });
      const payloadOf = (id: string, datasetId: bigint, t = token) =>
        h.request(`/v1/records/${id}/payload?datasetId=${datasetId}`, { token: t });
      const block = await h.provider.getBlockNumber();
      const allowed = idOf(blockOps[0]); // source 2, the dataset's format
      expect((await payloadOf(allowed, 1n)).status).to.equal(200);
      for (const [what, denied] of [
        ["source outside the dataset", await payloadOf(outsiderId, 1n)],
        ["format outside the dataset", await payloadOf(idOf(other), 1n)],
        ["user without a grant", await payloadOf(allowed, 1n, otherToken)],
        ["dataset without a grant", await payloadOf(allowed, 2n)],
      ] as const) {
        expect(denied.status, what).to.equal(403);
        expect(denied.body.error.code, what).to.equal("ACCESS_DENIED");
      }
      expect(await h.provider.getBlockNumber(), "all in one block").to.equal(block);
    });

    it("hides a source dropped from the dataset on-chain even before the index sees it", async () => {
      await grant(3600);
      await (
        await h.fx.access.connect(h.fx.datasetOwner).setDatasetSources(1n, [2n], false)
      ).wait();
      const page = await search("datasetId=1&limit=100");
      expect(page.body.records.map((r: { dataHash: string }) => r.dataHash)).to.deep.equal([
        directHash,
      ]);
      const denied = await h.request(`/v1/records/${idOf(blockOps[0])}/payload`, { token });
      expect(denied.body.error.code).to.equal("ACCESS_DENIED");
    });
  });
}
