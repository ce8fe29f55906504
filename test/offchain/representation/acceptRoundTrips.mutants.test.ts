// Written against a mutant Stryker left alive in acceptSubmissions.ts (npm run test:mutation):
// dropping the options it hands validateSubmission (the request's head, its signature verdicts,
// "the on-chain check is mine") keeps every verdict but costs a registry sync per record. The
// head is read once per request, whatever its size: that is what this test holds.
import { expect } from "chai";
import { network } from "hardhat";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();

describe("offchain/representation: chain round trips of one request", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let headReads = 0;

  before(async () => {
    fx = await setUpRepresentation(connection);
    // The fixture's provider, counting the head reads of the registry's sync.
    const provider = new Proxy(fx.provider, {
      get(real, key) {
        if (key === "getBlockNumber") {
          return () => {
            headReads++;
            return real.getBlockNumber();
          };
        }
        const value = Reflect.get(real, key);
        return typeof value === "function" ? value.bind(real) : value;
      },
    });
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider,
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

  it("reads the chain head once for a bulk request, not once per record", async () => {
    const bodies = await Promise.all(
      [1, 2, 3, 4, 5].map((seq) => makeSubmission(fx, { station: "trips", pm25: 1, seq })),
    );
    headReads = 0;
    const { results } = await readJson(await postJson(gateway.app, "/v1/records/bulk", bodies));
    expect(results.map((r: { status?: string }) => r.status)).to.deep.equal(
      Array(5).fill("accepted"),
    );
    expect(headReads).to.equal(1);
  });
});
