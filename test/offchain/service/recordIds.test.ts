import { expect } from "chai";
import { keccak256, toBytes, type Hex } from "viem";

import { canonicalJson } from "../../../offchain/sdk/canonicalJson.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { createServiceHarness, type ServiceHarness } from "./serviceHarness.js";
import { keyProof } from "../../helpers/keyProof.js";

// One payload anchored by two sources is two records, each with its own id, status and access
// rule. Source A (the harness's device, source 2) is in dataset 1; source B (source 3) is not.
for (const target of databaseTargets()) {
  describe(`offchain/service: records by record id, many per data hash (${target.name})`, function () {
    this.timeout(120_000);
    let h: ServiceHarness;
    let token: string;
    const payload = { station: "E5", pm25: 12 };
    const sampledAt = 700;
    let dataHash: Hex;
    let a: SignedOperation;
    let aId: Hex;
    let bId: Hex;

    before(async () => {
      h = await createServiceHarness(target.open);
      const { fx } = h;
      const bKey = fx.spare[0];
      await (
        await fx.ledger
          .connect(fx.operator)
          .registerSource(
            bKey.address,
            fx.sourceOwner.address,
            keccak256(toBytes("source B")),
            "ipfs://b",
            [fx.formatId],
            await keyProof(fx.ledger, bKey, fx.sourceOwner.address),
          )
      ).wait();
      dataHash = await h.blobs.put(toBytes(canonicalJson(payload)));
      // B first: under the old model B's anchoring would have been "the" record of the hash.
      await (
        await fx.ledger.connect(bKey).submitRecord({
          dataHash,
          formatId: fx.formatId,
          metadataHash: keccak256(toBytes("m")),
          sampledAt,
          uri: "",
        })
      ).wait();
      a = await h.signed(payload, sampledAt);
      expect(a.record.dataHash).to.equal(dataHash);
      await (
        await fx.ledger
          .connect(fx.stranger)
          .submitRecordBySig(a.source, a.record, a.deadline, a.signature)
      ).wait();
      aId = recordId(a.source, a.record);
      bId = recordId(bKey.address as Hex, { dataHash, sampledAt });
      const expiresAt = (await h.chainNow()) + 3600;
      await (
        await fx.access.connect(fx.datasetOwner).grantAccess(1n, fx.user.address, expiresAt)
      ).wait();
      await h.indexer.syncToHead();
      token = await h.signIn(fx.user);
    });
    after(() => h.close());

    const get = (pathname: string) => h.request(pathname, { token });
    const ids = (records: { recordId: string }[]) => records.map((r) => r.recordId);

    it("attack: a grant covering source A's record does not open source B's record of the same hash", async () => {
      const denied = await get(`/v1/records/${bId}/payload`);
      expect(denied.status).to.equal(403);
      expect(denied.body.error.code).to.equal("ACCESS_DENIED");
      expect(denied.body.error.details).to.deep.equal({ recordId: bId });
      // Naming the dataset that covers A changes nothing: B's source is not in it.
      const viaDataset = await get(`/v1/records/${bId}/payload?datasetId=1`);
      expect(viaDataset.status).to.equal(403);
      expect(viaDataset.body.error.code).to.equal("ACCESS_DENIED");

      const allowed = await get(`/v1/records/${aId}/payload`);
      expect(allowed.status).to.equal(200);
      expect(allowed.response.headers.get("x-data-hash")).to.equal(dataHash);
      expect(await allowed.response.text()).to.equal(canonicalJson(payload));
    });

    it("lists every record of a data hash, each with its own record id", async () => {
      expect(aId).not.to.equal(bId);
      const all = await get(`/v1/records?dataHash=${dataHash}`);
      expect(all.status).to.equal(200);
      expect(ids(all.body.records)).to.deep.equal([bId, aId]);
      expect(all.body.records.map((r: { sourceId: string }) => r.sourceId)).to.deep.equal([
        "3",
        "2",
      ]);
      expect(all.body.records.every((r: { dataHash: string }) => r.dataHash === dataHash)).to.equal(
        true,
      );
      // Within dataset 1 only A's record is visible.
      const inDataset = await get(`/v1/records?datasetId=1&dataHash=${dataHash}`);
      expect(ids(inDataset.body.records)).to.deep.equal([aId]);
      // Verification by data hash reports both statements too.
      const verified = await h.request("/v1/verify", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataHash }),
      });
      expect(ids(verified.body.records)).to.deep.equal([bId, aId]);
    });

    it("refuses a listing by data hash without USER_ROLE, and a search with neither dataset nor hash", async () => {
      const strangerToken = await h.signIn(h.fx.stranger);
      const denied = await h.request(`/v1/records?dataHash=${dataHash}`, { token: strangerToken });
      expect(denied.status).to.equal(403);
      expect(denied.body.error.code).to.equal("ACCESS_DENIED");
      const neither = await get("/v1/records?sourceId=2");
      expect(neither.status).to.equal(400);
      expect(neither.body.error.code).to.equal("VALIDATION_FAILED");
    });

    it("reports status per record: revoking A's record leaves B's active", async () => {
      await (await h.fx.ledger.connect(h.fx.operator).revokeRecord(aId, 5)).wait();
      await h.indexer.syncToHead();
      const revoked = await get(`/v1/records/${aId}`);
      expect(revoked.body.record).to.include({ recordId: aId, status: "revoked" });
      const untouched = await get(`/v1/records/${bId}`);
      expect(untouched.body.record).to.include({ recordId: bId, status: "active" });
      const all = await get(`/v1/records?dataHash=${dataHash}`);
      expect(all.body.records.map((r: { status: string }) => r.status)).to.deep.equal([
        "active",
        "revoked",
      ]);
    });

    it("answers NOT_FOUND (404) for an unknown record id, the bare data hash included", async () => {
      for (const unknown of [`0x${"ef".repeat(32)}`, dataHash]) {
        for (const pathname of [`/v1/records/${unknown}`, `/v1/records/${unknown}/payload`]) {
          const missing = await get(pathname);
          expect(missing.status, pathname).to.equal(404);
          expect(missing.body.error.code, pathname).to.equal("NOT_FOUND");
        }
      }
    });
  });
}
