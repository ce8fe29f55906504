import type { Provider } from "ethers";
import { expect } from "chai";
import { createPublicClient, custom, keccak256, toBytes, type Hex } from "viem";

import { canonicalJson } from "../../../offchain/sdk/canonicalJson.js";
import { leafHash } from "../../../offchain/sdk/leafHash.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { verifyDataBlockProof } from "../../../offchain/sdk/verifyDataBlockProof.js";
import { verifyReceipt } from "../../../offchain/sdk/verifyReceipt.js";
import { createServiceApp } from "../../../offchain/service/createServiceApp.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { DataBlockJudge__factory } from "../../../types/ethers-contracts/index.js";
import { publishDataBlock, type PublishedDataBlock } from "../../helpers/publishDataBlock.js";
import { createServiceHarness, MAX_BODY_BYTES, type ServiceHarness } from "./serviceHarness.js";

const json = { "content-type": "application/json" };

for (const target of databaseTargets()) {
  describe(`offchain/service: fingerprint verification and API surface (${target.name})`, function () {
    this.timeout(120_000);
    let h: ServiceHarness;
    const reading = { station: "C3", pm25: 21.5, at: "2025-01-01T00:00:00Z" };
    let op: SignedOperation;
    let block: PublishedDataBlock;
    const file = new TextEncoder().encode("%PDF-1.7 a deposited work, byte for byte");
    const fileHash = keccak256(file);

    before(async () => {
      h = await createServiceHarness(target.open);
      op = await h.signed(reading, 1234);
      block = await publishDataBlock({
        ledger: h.fx.ledger,
        gateway: h.fx.gateway,
        blobs: h.blobs,
        operations: [op, await h.signed({ filler: 1 }, 1235)],
      });
      await (
        await h.fx.ledger.connect(h.fx.sourceKey).submitRecord({
          dataHash: fileHash,
          formatId: h.fx.formatId,
          metadataHash: keccak256(toBytes("copyright deposit")),
          sampledAt: 77,
          uri: "",
        })
      ).wait();
      await h.indexer.syncToHead();
    });
    after(() => h.close());

    const verifyJson = (body: unknown) =>
      h.request("/v1/verify", { method: "POST", headers: json, body: JSON.stringify(body) });
    const verifyFile = (bytes: Uint8Array) => {
      const form = new FormData();
      form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>]), "work.pdf");
      return h.request("/v1/verify", { method: "POST", body: form });
    };

    it("verifies by data hash: when, by which source, with the proof, block and transaction", async () => {
      const { status, body } = await verifyJson({ dataHash: op.record.dataHash });
      expect(status).to.equal(200);
      expect(body.recorded).to.equal(true);
      const [record] = body.records;
      expect(record).to.include({
        recordId: recordId(op.source, op.record),
        kind: "block",
        sourceId: "2",
        sourceKey: h.device.address,
        blockId: block.blockId,
        root: block.root.toLowerCase(),
        blockNumber: block.blockNumber,
        txHash: block.txHash.toLowerCase(),
        leafIndex: 0,
      });
      expect(body.firstAnchoredAt).to.equal(record.anchoredAt);
      const anchoredBlock = await h.provider.getBlock(block.blockNumber);
      expect(record.anchoredAt).to.equal(anchoredBlock!.timestamp);
      const gateway = h.fx.gateway.address as Hex;
      expect(
        verifyDataBlockProof({
          blockId: block.blockId,
          gateway,
          leaf: leafHash(gateway, op),
          leafIndex: 0,
          proof: record.proof,
          count: 2,
        }),
      ).to.equal(true);
      expect(record.blockDisputes).to.deep.equal([]);
      // The service's receipt is the SDK's: it verifies against the chain alone.
      const verified = await verifyReceipt({
        payload: reading,
        receipt: record.receipt,
        publicClient: createPublicClient({ transport: custom(h.connection.provider) }),
        ledgerAddress: h.ledgerAddress,
      });
      expect(verified).to.deep.include({ blockId: block.blockId, leafIndex: 0, gateway });
    });

    it("marks only the struck operation of a challenged block disputed; its neighbour stays active", async () => {
      const honest = await h.signed({ neighbour: "honest" }, 2001);
      const other = await h.signed({ neighbour: "other" }, 2002);
      // A forged leaf: another record's signature under this record.
      const forged = {
        ...(await h.signed({ neighbour: "forged" }, 2003)),
        signature: other.signature,
      };
      const mixed = await publishDataBlock({
        ledger: h.fx.ledger,
        gateway: h.fx.gateway,
        blobs: h.blobs,
        operations: [honest, forged],
      });
      const judge = DataBlockJudge__factory.connect(
        await h.fx.ledger.dataBlockJudge(),
        h.fx.stranger,
      );
      await (await judge.challenge(mixed.blockId, forged, 1, mixed.proof(1))).wait();
      await h.indexer.syncToHead();

      const struck = await verifyJson({ dataHash: forged.record.dataHash });
      expect(struck.body.records.map((r: { status: string }) => r.status)).to.deep.equal([
        "disputed",
      ]);
      const neighbour = await verifyJson({ dataHash: honest.record.dataHash });
      expect(neighbour.body.records.map((r: { status: string }) => r.status)).to.deep.equal([
        "active",
      ]);
      // Both show the block's dispute, naming the struck leaf and the rule.
      for (const { body } of [struck, neighbour]) {
        expect(body.records[0].blockDisputes).to.deep.equal([
          { reason: "InvalidSignature", leaf: mixed.leaf(1) },
        ]);
      }
    });

    it("shows a WrongCount dispute on the block's records and strikes none of them", async () => {
      const ops = [await h.signed({ counted: 1 }, 3001), await h.signed({ counted: 2 }, 3002)];
      // Two operations anchored as three: slot 2 is empty.
      const overcounted = await publishDataBlock({
        ledger: h.fx.ledger,
        gateway: h.fx.gateway,
        blobs: h.blobs,
        operations: ops,
        count: 3,
      });
      const judge = DataBlockJudge__factory.connect(
        await h.fx.ledger.dataBlockJudge(),
        h.fx.stranger,
      );
      const zero = `0x${"00".repeat(32)}`;
      await (await judge.challengeCount(overcounted.blockId, 2, zero, overcounted.proof(2))).wait();
      await h.indexer.syncToHead();
      for (const op of ops) {
        const { body } = await verifyJson({ dataHash: op.record.dataHash });
        expect(body.records).to.have.length(1);
        expect(body.records[0]).to.deep.include({
          status: "active",
          blockId: overcounted.blockId,
          blockDisputes: [{ reason: "WrongCount", leaf: zero }],
        });
      }
    });

    it("verifies a JSON payload by its canonical hash, whatever its key order", async () => {
      const reordered = { at: reading.at, pm25: reading.pm25, station: reading.station };
      const { body } = await verifyJson({ payload: reordered });
      expect(body.dataHash).to.equal(op.record.dataHash);
      expect(body.recorded).to.equal(true);
    });

    it("reports a tampered payload or file as not recorded", async () => {
      const tampered = await verifyJson({ payload: { ...reading, pm25: 2.15 } });
      expect(tampered.status).to.equal(200);
      expect(tampered.body).to.include({ recorded: false, firstAnchoredAt: null });
      expect(tampered.body.records).to.deep.equal([]);
      const flipped = file.slice();
      flipped[3] ^= 1;
      expect((await verifyFile(flipped)).body.recorded).to.equal(false);
    });

    it("verifies an uploaded file by keccak256 of its bytes", async () => {
      const { status, body } = await verifyFile(file);
      expect(status).to.equal(200);
      expect(body).to.include({ dataHash: fileHash, recorded: true });
      expect(body.records[0]).to.include({ kind: "direct", sourceId: "1" });
    });

    it("rejects ambiguous, empty, non-canonical and oversized input with stable codes", async () => {
      for (const body of [
        {},
        { dataHash: op.record.dataHash, payload: 1 },
        { dataHash: "0x12" },
        { other: 1 },
      ]) {
        const result = await verifyJson(body);
        expect(result.status, JSON.stringify(body)).to.equal(400);
        expect(result.body.error.code).to.equal("VALIDATION_FAILED");
      }
      const none = await h.request("/v1/verify", { method: "POST" });
      expect(none.body.error.code).to.equal("VALIDATION_FAILED");
      const infinite = await h.request("/v1/verify", {
        method: "POST",
        headers: json,
        body: '{"payload":1e400}',
      });
      expect(infinite.body.error.code).to.equal("VALIDATION_FAILED");
      const notAFile = new FormData();
      notAFile.append("file", "just text");
      expect(
        (await h.request("/v1/verify", { method: "POST", body: notAFile })).body.error.code,
      ).to.equal("VALIDATION_FAILED");
      const huge = await verifyJson({ payload: "x".repeat(MAX_BODY_BYTES) });
      expect(huge.status).to.equal(413);
      expect(huge.body.error.code).to.equal("PAYLOAD_TOO_LARGE");
      const bigFile = await verifyFile(new Uint8Array(MAX_BODY_BYTES + 1));
      expect(bigFile.body.error.code).to.equal("PAYLOAD_TOO_LARGE");
    });

    it("serves /openapi.json and /docs, and 404s unknown routes in the error shape", async () => {
      const doc = await h.request("/openapi.json");
      expect(doc.status).to.equal(200);
      expect(Object.keys(doc.body.paths)).to.include.members([
        "/v1/auth/nonce",
        "/v1/auth/verify",
        "/v1/auth/logout",
        "/v1/records",
        "/v1/records/{recordId}",
        "/v1/records/{recordId}/payload",
        "/v1/verify",
      ]);
      const docs = await h.request("/docs");
      expect(docs.status).to.equal(200);
      expect(docs.body).to.contain("swagger");
      const missing = await h.request("/v1/nothing");
      expect(missing.status).to.equal(404);
      expect(missing.body.error.code).to.equal("NOT_FOUND");
    });

    it("answers CHAIN_UNAVAILABLE (503) when the chain cannot be read for an authorisation", async () => {
      const token = await h.signIn(h.fx.user);
      const down = {
        getBlockNumber: async () => {
          throw new Error("connection refused");
        },
      } as unknown as Provider;
      const app = createServiceApp({
        db: h.db,
        m2s: h.m2s,
        blobs: h.blobs,
        provider: down,
        ledgerAddress: h.ledgerAddress,
        accessAddress: h.accessAddress,
        siwe: {
          domain: "data.example.org",
          uri: "https://data.example.org/login",
          chainId: h.chainId,
        },
        now: () => h.clock.now,
      });
      const response = await app.request(`/v1/records/${recordId(op.source, op.record)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).to.equal(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).to.equal(
        "CHAIN_UNAVAILABLE",
      );
      // Verification needs no chain read at request time and keeps working.
      const verify = await app.request("/v1/verify", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ payload: JSON.parse(canonicalJson(reading)) }),
      });
      expect(verify.status).to.equal(200);
    });
  });
}
