import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes, type Hex } from "viem";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { recordId as recordIdOf } from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  anchorOnChain,
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();

// The on-chain duplicate check runs once for a whole bulk request (findAnchoredRecords); each
// item must still get its own verdict, in request order. Records are keyed by record id (source,
// data hash, sampling time), so a request may also hold several operations for one record (the
// same reading signed again with another deadline or URI): only one of them can be stored, and
// each verdict must say which.
describe("offchain/representation: duplicates in a bulk request", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;

  before(async () => {
    fx = await setUpRepresentation(connection);
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      database: await openDatabase({ url: "" }),
      blobStore: fx.blobStore,
      startLoops: false,
    });
  });

  after(async () => {
    await gateway.close();
    await gateway.db.close();
  });

  it("rejects only the items already anchored, and stores the rest in request order", async () => {
    const items = await Promise.all(
      Array.from({ length: 12 }, (_, seq) =>
        makeSubmission(fx, { station: "bulk", pm25: 3.5, seq }),
      ),
    );
    for (const i of [0, 5, 11]) await anchorOnChain(fx, items[i]);
    const res = await postJson(gateway.app, "/v1/records/bulk", items);
    expect(res.status).to.equal(200);
    const { results } = await readJson(res);
    const codes = results.map((r: { error?: { code: string }; status?: string }) =>
      r.error ? r.error.code : r.status,
    );
    expect(codes).to.deep.equal(
      items.map((_, i) => ([0, 5, 11].includes(i) ? "DUPLICATE_RECORD" : "accepted")),
    );
    const rows = await gateway.db.query<{ record_id: string; payload: string }>(
      "select record_id, payload from gateway_records order by seq",
    );
    expect(rows.map((r) => r.record_id)).to.deep.equal(
      items
        .filter((_, i) => ![0, 5, 11].includes(i))
        .map((item) => recordIdOf(item.operation.source, item.operation.record)),
    );
    const stored = items.filter((_, i) => ![0, 5, 11].includes(i));
    for (const [i, row] of rows.entries()) {
      expect(keccak256(toBytes(row.payload))).to.equal(stored[i].operation.record.dataHash);
    }
  });

  const codesOf = async (res: Response) => {
    expect(res.status).to.equal(200);
    const { results } = await readJson(res);
    return results.map((r: { error?: { code: string }; status?: string }) =>
      r.error ? r.error.code : r.status,
    );
  };
  const outboxRows = (recordId: Hex) =>
    gateway.db.query<{ operation: { deadline: number; signature: Hex; record: { uri: string } } }>(
      "select operation from gateway_records where record_id = $1",
      [recordId.toLowerCase()],
    );

  it("answers a second operation for the same record in one request with DUPLICATE_RECORD, storing only the first", async () => {
    // Same source, payload and sampling time, so the same record id, but other signed
    // operations: another deadline, another uri.
    const first = await makeSubmission(fx, { station: "bulk", pm25: 4.5, seq: 100 });
    const recordId = recordIdOf(first.operation.source, first.operation.record);
    const laterDeadline = await makeSubmission(fx, first.payload, {
      deadline: first.operation.deadline + 1,
    });
    const otherUri = await makeSubmission(fx, first.payload, { uri: "ipfs://elsewhere" });
    expect(
      await codesOf(
        await postJson(gateway.app, "/v1/records/bulk", [first, laterDeadline, otherUri, first]),
      ),
    ).to.deep.equal(["accepted", "DUPLICATE_RECORD", "DUPLICATE_RECORD", "accepted"]);

    // What was answered "accepted" is what the outbox holds and what the status route reports.
    const rows = await outboxRows(recordId);
    expect(rows).to.have.length(1);
    expect(rows[0].operation.signature).to.equal(first.operation.signature);
    const state = await readJson(await gateway.app.request(`/v1/records/${recordId}`));
    expect(state).to.deep.include({ status: "accepted" });
    // Asked again one by one, the gateway holds the first and refuses the others.
    expect((await postJson(gateway.app, "/v1/records", first)).status).to.equal(200);
    for (const other of [laterDeadline, otherUri]) {
      const res = await postJson(gateway.app, "/v1/records", other);
      expect(res.status).to.equal(409);
      expect((await readJson(res)).error.code).to.equal("DUPLICATE_RECORD");
    }

    // Once anchored, the receipt the status route gives is the stored (first) operation's.
    await gateway.batcher.tick(Date.now() + 60_000);
    await gateway.submitter.tick();
    await gateway.submitter.tick();
    const anchored = await readJson(await gateway.app.request(`/v1/records/${recordId}`));
    expect(anchored.status).to.equal("anchored");
    expect(anchored.receipt.operation.signature).to.equal(first.operation.signature);
    expect(anchored.receipt.operation.deadline).to.equal(first.operation.deadline);
  });

  it("answers a retry of a stored operation as accepted even after another operation for it in the same request", async () => {
    const stored = await makeSubmission(fx, { station: "bulk", pm25: 5.5, seq: 101 });
    const recordId = recordIdOf(stored.operation.source, stored.operation.record);
    expect((await postJson(gateway.app, "/v1/records", stored)).status).to.equal(202);
    const other = await makeSubmission(fx, stored.payload, {
      deadline: stored.operation.deadline + 1,
    });
    const res = await postJson(gateway.app, "/v1/records/bulk", [other, stored, stored]);
    const verdicts = (await readJson(res.clone())).results;
    expect(await codesOf(res)).to.deep.equal(["DUPLICATE_RECORD", "accepted", "accepted"]);
    expect(verdicts[1]).to.deep.equal({ index: 1, recordId, status: "accepted", mode: "block" });
    const rows = await outboxRows(recordId);
    expect(rows.map((r) => r.operation.signature)).to.deep.equal([stored.operation.signature]);
  });
});
