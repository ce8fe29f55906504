import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes } from "viem";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
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
// item must still get its own verdict, in request order.
describe("offchain/representation: on-chain duplicates in a bulk request", () => {
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
        .map((item) => item.operation.record.dataHash.toLowerCase()),
    );
    for (const row of rows) expect(keccak256(toBytes(row.payload))).to.equal(row.record_id);
  });
});
