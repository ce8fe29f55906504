// Tests written against the mutants Stryker left alive in the service's authorisation
// (offchain/service/recordRoutes.ts, npm run test:mutation): each refusal's message and details
// as a client reads them, not only its code; the content type of a payload that is not JSON; and
// a block leaf the index holds with no source (its key bound to none), which no dataset covers.
import { expect } from "chai";
import { keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createRecord } from "../../../offchain/sdk/createRecord.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import { signRecord } from "../../../offchain/sdk/signRecord.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { publishDataBlock } from "../../helpers/publishDataBlock.js";
import { createServiceHarness, type ServiceHarness } from "./serviceHarness.js";

describe("offchain/service: record routes' authorisation, refusal by refusal", function () {
  this.timeout(120_000);
  let h: ServiceHarness;
  let token: string;
  let strangerToken: string;
  /** A direct record of source 1 (in dataset 1) whose payload is bytes that are not JSON. */
  const binary = new Uint8Array([0x00, 0xff, 0x7b, 0x80, 0x01]);
  let binaryId: Hex;
  let binaryHash: Hex;
  /** A block leaf signed by a key bound to no source: indexed with sourceId null. */
  let orphanId: Hex;
  let orphanHash: Hex;

  before(async () => {
    h = await createServiceHarness(() => openDatabase({ url: "" }));
    const { fx } = h;
    binaryHash = await h.blobs.put(binary);
    expect(binaryHash).to.equal(keccak256(binary));
    await (
      await fx.ledger.connect(fx.sourceKey).submitRecord({
        dataHash: binaryHash,
        formatId: fx.formatId,
        metadataHash: keccak256(toBytes("m")),
        sampledAt: 800,
        uri: "",
      })
    ).wait();
    binaryId = recordId(fx.sourceKey.address as Hex, { dataHash: binaryHash, sampledAt: 800 });

    // The ledger anchors a block's root without reading its leaves, so a gateway can publish a
    // leaf whose key no source holds; the index lists it, under no source.
    const unbound = privateKeyToAccount(generatePrivateKey());
    const { record, canonicalPayload } = createRecord({
      payload: { station: "Z9", pm25: 3 },
      formatId: fx.formatId as Hex,
      sampledAt: 900,
    });
    orphanHash = await h.blobs.put(toBytes(canonicalPayload));
    const orphan = await signRecord({
      account: unbound,
      domain: ledgerDomain(h.chainId, h.ledgerAddress),
      record,
      deadline: (await h.chainNow()) + 3600,
      epoch: 0,
    });
    orphanId = recordId(orphan.source, orphan.record);
    await publishDataBlock({
      ledger: fx.ledger,
      gateway: fx.gateway,
      blobs: h.blobs,
      operations: [orphan],
    });
    await h.indexer.syncToHead();
    token = await h.signIn(fx.user);
    strangerToken = await h.signIn(fx.stranger);
  });
  after(() => h.close());

  const get = (pathname: string, t = token) => h.request(pathname, { token: t });
  async function grant() {
    const expiresAt = (await h.chainNow()) + 3600;
    await (
      await h.fx.access.connect(h.fx.datasetOwner).grantAccess(1n, h.fx.user.address, expiresAt)
    ).wait();
  }

  it("search: names what is missing, the USER_ROLE refused and the dataset without a grant", async () => {
    const neither = await get("/v1/records?sourceId=1");
    expect(neither.status).to.equal(400);
    expect(neither.body.error).to.deep.include({
      code: "VALIDATION_FAILED",
      message: "Send datasetId, or dataHash to list its every record",
    });

    const noRole = await get(`/v1/records?dataHash=${binaryHash}`, strangerToken);
    expect(noRole.status).to.equal(403);
    expect(noRole.body.error).to.deep.equal({
      code: "ACCESS_DENIED",
      message: "The account does not hold USER_ROLE",
      details: { address: h.fx.stranger.address },
    });

    const noGrant = await get("/v1/records?datasetId=1");
    expect(noGrant.status).to.equal(403);
    expect(noGrant.body.error).to.deep.equal({
      code: "ACCESS_DENIED",
      message: "No live grant on this dataset",
      details: { datasetId: "1" },
    });
  });

  it("lookup and payload read: an unknown record id and a record no grant covers", async () => {
    const unknown = `0x${"ee".repeat(32)}`;
    for (const pathname of [`/v1/records/${unknown}`, `/v1/records/${unknown}/payload`]) {
      const missing = await get(pathname);
      expect(missing.status, pathname).to.equal(404);
      expect(missing.body.error, pathname).to.deep.include({
        code: "NOT_FOUND",
        message: "No record with this id",
      });
    }
    const denied = await get(`/v1/records/${binaryId}/payload`);
    expect(denied.status).to.equal(403);
    expect(denied.body.error).to.deep.equal({
      code: "ACCESS_DENIED",
      message: "No live dataset grant covers this record",
      details: { recordId: binaryId },
    });
  });

  it("serves a payload that is not JSON as application/octet-stream, byte for byte", async () => {
    await grant();
    const read = await get(`/v1/records/${binaryId}/payload?datasetId=1`);
    expect(read.status).to.equal(200);
    expect(read.response.headers.get("content-type")).to.equal("application/octet-stream");
    expect(read.response.headers.get("x-data-hash")).to.equal(binaryHash);
    expect(new Uint8Array(await read.response.arrayBuffer())).to.deep.equal(binary);
  });

  it("attack: a leaf with no source is listed but its payload is refused with or without a dataset", async () => {
    await grant();
    const listed = await get(`/v1/records/${orphanId}`);
    expect(listed.status).to.equal(200);
    expect(listed.body.record).to.include({ recordId: orphanId, kind: "block", sourceId: null });
    // Naming a dataset the user holds a grant on does not make a sourceless record readable.
    for (const query of ["", "?datasetId=1"]) {
      const denied = await get(`/v1/records/${orphanId}/payload${query}`);
      expect(denied.status, query).to.equal(403);
      expect(denied.body.error, query).to.deep.equal({
        code: "ACCESS_DENIED",
        message: "No live dataset grant covers this record",
        details: { recordId: orphanId },
      });
    }
    expect(orphanHash).to.match(/^0x[0-9a-f]{64}$/);
  });
});
