// Tests written against the mutants Stryker left alive in the gateway's accept checks
// (validateSubmission.ts, normalizeSubmission.ts, acceptSubmissions.ts; npm run test:mutation):
// each refusal's message and details as a device reads them, not only its code.
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { recordId } from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();

describe("offchain/representation: accept checks, refusal by refusal", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let seq = 0;
  const payload = (extra: Record<string, unknown> = {}) => ({
    station: "mut",
    pm25: 1.5,
    seq: seq++,
    ...extra,
  });

  before(async () => {
    fx = await setUpRepresentation(connection);
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      database: await openDatabase({ url: "" }),
      blobStore: fx.blobStore,
      startLoops: false,
      limits: { maxBodyBytes: 64 * 1024, maxPayloadBytes: 4 * 1024, maxBulkItems: 20 },
    });
  });

  after(async () => {
    await gateway.close();
    await gateway.db.close();
  });

  /** The error of a single submission: its code, message and details. */
  async function refusal(body: unknown) {
    const json = await readJson(await postJson(gateway.app, "/v1/records", body));
    expect(json.error, JSON.stringify(json)).to.be.an("object");
    return json.error as { code: string; message: string; details: Record<string, unknown> };
  }

  it("normalizeSubmission: no canonical form, too large, another hash", async () => {
    const valid = await makeSubmission(fx, payload());
    // 1e400 parses to Infinity, which has no canonical JSON form.
    const body = JSON.stringify(valid).replace(/"pm25":1.5/, '"pm25":1e400');
    expect(await refusal(body)).to.deep.include({
      code: "MALFORMED_JSON",
      message: "Payload has no canonical JSON form",
      details: { field: "/payload" },
    });
    const big = await makeSubmission(fx, payload({ station: "x".repeat(5_000) }));
    const tooLarge = await refusal(big);
    expect(tooLarge).to.deep.include({
      code: "PAYLOAD_TOO_LARGE",
      message: "Payload exceeds the gateway's limit",
    });
    expect(tooLarge.details).to.deep.equal({
      size: Buffer.byteLength(JSON.stringify(big.payload)),
      limit: 4 * 1024,
    });
    const mismatch = await refusal({ ...valid, payload: { ...valid.payload, pm25: 2 } });
    expect(mismatch).to.deep.include({
      code: "DATA_HASH_MISMATCH",
      message: "The payload's canonical hash is not record.dataHash",
    });
    expect(mismatch.details.expected).to.equal(valid.operation.record.dataHash.toLowerCase());
    expect(mismatch.details.actual).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("validateSubmission: signature, source and format refusals say what they checked", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = await makeSubmission(fx, payload(), { account: stranger });
    expect(
      await refusal({ ...forged, operation: { ...forged.operation, source: fx.device.address } }),
    ).to.deep.include({
      code: "SIGNATURE_INVALID",
      message: "Signature does not recover to the claimed source for this ledger",
      details: { source: fx.device.address },
    });
    const expired = await refusal(
      await makeSubmission(fx, payload(), { deadline: (await fx.now()) - 1 }),
    );
    expect(expired).to.deep.include({
      code: "SIGNATURE_EXPIRED",
      message: "Signature expires before it can be anchored",
    });
    expect(await refusal(forged)).to.deep.include({
      code: "SOURCE_UNKNOWN",
      message: "The signing key is bound to no source",
      details: { source: stranger.address },
    });

    const { account, sourceId } = await fx.addDevice();
    await (await fx.asOperator.suspendSource(sourceId, 7)).wait();
    expect(await refusal(await makeSubmission(fx, payload(), { account }))).to.deep.include({
      code: "SOURCE_INACTIVE",
      message: "The source is suspended or revoked, or this key was rotated away",
      details: { source: account.address, sourceId: sourceId.toString() },
    });

    const unknown = keccak256(toBytes("mutants-unknown"));
    expect(
      await refusal(await makeSubmission(fx, payload(), { formatId: unknown })),
    ).to.deep.include({
      code: "FORMAT_UNKNOWN",
      message: "No format is registered with this id",
      details: { formatId: unknown },
    });
    const notAllowed = keccak256(toBytes("mutants-not-allowed"));
    await (await fx.asOperator.registerFormat(notAllowed, "mut-na", "1", "file:none", 0)).wait();
    expect(
      await refusal(await makeSubmission(fx, payload(), { formatId: notAllowed })),
    ).to.deep.include({
      code: "FORMAT_NOT_ALLOWED",
      message: "The source may not submit this format",
      details: { formatId: notAllowed, sourceId: fx.sourceId.toString() },
    });
    const deprecated = keccak256(toBytes("mutants-deprecated"));
    await (await fx.asOperator.registerFormat(deprecated, "mut-dep", "1", "file:none", 0)).wait();
    await (await fx.asOperator.setSourceFormats(fx.sourceId, [deprecated], true)).wait();
    await (await fx.asOperator.deprecateFormat(deprecated)).wait();
    expect(
      await refusal(await makeSubmission(fx, payload(), { formatId: deprecated })),
    ).to.deep.include({
      code: "FORMAT_DEPRECATED",
      message: "The format is deprecated",
      details: { formatId: deprecated },
    });
  });

  it("validateSubmission: a schema violation names the pointer, keyword and message", async () => {
    const violation = await refusal(await makeSubmission(fx, payload({ pm25: "high" })));
    expect(violation).to.deep.include({
      code: "SCHEMA_VIOLATION",
      message: "Payload does not conform to the format",
    });
    expect(violation.details).to.deep.include({ pointer: "/pm25", formatId: fx.formatId });
    expect(violation.details.keyword).to.be.a("string").and.not.equal("");
    expect(violation.details.message).to.be.a("string").and.not.equal("");
  });

  it("acceptSubmissions: a second operation for one record names the record", async () => {
    const first = await makeSubmission(fx, payload({ station: "dup" }), {
      sampledAt: 1_760_000_777,
    });
    const second = await makeSubmission(fx, first.payload, {
      sampledAt: 1_760_000_777,
      uri: "ipfs://again",
    });
    const res = await postJson(gateway.app, "/v1/records/bulk", [first, second]);
    const { results } = await readJson(res);
    const id = recordId(first.operation.source, first.operation.record);
    expect(results[0]).to.include({ status: "accepted" });
    expect(results[1].error).to.deep.include({
      code: "DUPLICATE_RECORD",
      message:
        "The gateway already holds another submission of this source's record (same data hash and sampling time)",
      details: { recordId: id },
    });
  });

  it("acceptSubmissions: an identical copy in one request shares the first item's verdict, a refusal included", async () => {
    const expired = await makeSubmission(fx, payload(), { deadline: (await fx.now()) - 1 });
    const valid = await makeSubmission(fx, payload());
    const res = await postJson(gateway.app, "/v1/records/bulk", [expired, valid, expired, valid]);
    const { results } = await readJson(res);
    const verdicts = results.map((r: { error?: { code: string }; status?: string }) =>
      r.error ? r.error.code : r.status,
    );
    expect(verdicts).to.deep.equal([
      "SIGNATURE_EXPIRED",
      "accepted",
      "SIGNATURE_EXPIRED",
      "accepted",
    ]);
  });
});
