import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { recordId, signSourceKey } from "../../../offchain/sdk/index.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import {
  anchorOnChain,
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();

async function expectError(res: Response, status: number, code: string) {
  const body = await readJson(res);
  expect(res.status, JSON.stringify(body)).to.equal(status);
  expect(body.error.code).to.equal(code);
  return body.error as { code: string; message: string; details: Record<string, unknown> };
}

describe("offchain/representation: R2D accept path", () => {
  let fx: RepresentationFixture;

  before(async () => {
    fx = await setUpRepresentation(connection);
  });

  for (const target of databaseTargets()) {
    describe(`on ${target.name}`, () => {
      let gateway: Gateway;
      let seq = 0;
      const payload = (extra: Record<string, unknown> = {}) => ({
        station: `${target.name}-A1`,
        pm25: 12.5,
        seq: seq++,
        ...extra,
      });
      const stored = async () =>
        Number(
          (
            await gateway.db.query<{ n: number }>("select count(*)::int as n from gateway_records")
          )[0].n,
        );

      before(async () => {
        gateway = await createGateway({
          ledgerAddress: fx.ledgerAddress,
          provider: fx.provider,
          signer: fx.gatewaySigner,
          database: await target.open(),
          blobStore: fx.blobStore,
          startLoops: false,
          limits: { maxBodyBytes: 64 * 1024, maxPayloadBytes: 4 * 1024, maxBulkItems: 20 },
        });
      });

      after(async () => {
        await gateway.close();
        await gateway.db.close();
      });

      it("accepts a valid record with 202 only after storing it and its payload", async () => {
        const body = await makeSubmission(fx, payload());
        const res = await postJson(gateway.app, "/v1/records", body);
        expect(res.status).to.equal(202);
        const json = await readJson(res);
        expect(json).to.deep.equal({
          recordId: recordId(body.operation.source, body.operation.record),
          status: "accepted",
          mode: "block",
        });
        const [row] = await gateway.db.query<{ status: string; mode: string }>(
          "select status, mode from gateway_record_states where record_id = $1",
          [json.recordId],
        );
        expect(row).to.deep.equal({ status: "accepted", mode: "block" });
        // The canonical payload is in the outbox row, committed with the acceptance.
        const [{ payload: stored }] = await gateway.db.query<{ payload: string }>(
          "select payload from gateway_records where record_id = $1",
          [json.recordId],
        );
        expect(keccak256(toBytes(stored))).to.equal(body.operation.record.dataHash);
        const state = await readJson(await gateway.app.request(`/v1/records/${json.recordId}`));
        expect(state).to.deep.equal({ recordId: json.recordId, status: "accepted", mode: "block" });
      });

      it("answers an identical resubmission with 200 and its current status, a different one with 409", async () => {
        const body = await makeSubmission(fx, payload());
        expect((await postJson(gateway.app, "/v1/records", body)).status).to.equal(202);
        const before = await stored();
        const again = await postJson(gateway.app, "/v1/records", body);
        expect(again.status).to.equal(200);
        expect(await readJson(again)).to.deep.equal({
          recordId: recordId(body.operation.source, body.operation.record),
          status: "accepted",
          mode: "block",
        });
        // Same source, data hash and sampling time (the same record id), signed again with
        // another URI: another operation for the same record.
        const other = await makeSubmission(fx, body.payload, { uri: "ipfs://other" });
        await expectError(
          await postJson(gateway.app, "/v1/records", other),
          409,
          "DUPLICATE_RECORD",
        );
        expect(await stored()).to.equal(before);
      });

      it("rejects each bad submission with its stable code and stores nothing", async () => {
        const before = await stored();
        const valid = await makeSubmission(fx, payload());

        await expectError(
          await postJson(gateway.app, "/v1/records", '{"operation": '),
          400,
          "MALFORMED_JSON",
        );
        await expectError(
          await postJson(gateway.app, "/v1/records", { ...valid, payload: "x".repeat(70_000) }),
          413,
          "PAYLOAD_TOO_LARGE",
        );
        const big = await makeSubmission(fx, payload({ station: "x".repeat(5_000) }));
        await expectError(
          await postJson(gateway.app, "/v1/records", big),
          413,
          "PAYLOAD_TOO_LARGE",
        );
        await expectError(
          await postJson(gateway.app, "/v1/records", {
            ...valid,
            payload: { ...valid.payload, pm25: 13 },
          }),
          422,
          "DATA_HASH_MISMATCH",
        );

        const stranger = privateKeyToAccount(generatePrivateKey());
        const forged = await makeSubmission(fx, payload(), { account: stranger });
        await expectError(
          await postJson(gateway.app, "/v1/records", {
            ...forged,
            operation: { ...forged.operation, source: fx.device.address },
          }),
          401,
          "SIGNATURE_INVALID",
        );
        await expectError(
          await postJson(gateway.app, "/v1/records", {
            ...valid,
            operation: { ...valid.operation, signature: "0x1234" },
          }),
          401,
          "SIGNATURE_INVALID",
        );
        const expired = await makeSubmission(fx, payload(), { deadline: (await fx.now()) - 1 });
        await expectError(
          await postJson(gateway.app, "/v1/records", expired),
          401,
          "SIGNATURE_EXPIRED",
        );
        await expectError(
          await postJson(gateway.app, "/v1/records", forged),
          403,
          "SOURCE_UNKNOWN",
        );

        const unknownFormat = keccak256(toBytes(`unknown-${target.name}`));
        await expectError(
          await postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload(), { formatId: unknownFormat }),
          ),
          422,
          "FORMAT_UNKNOWN",
        );
        const notAllowed = keccak256(toBytes(`not-allowed-${target.name}`));
        await (
          await fx.asOperator.registerFormat(notAllowed, `na-${target.name}`, "1", "file:none", 0)
        ).wait();
        await expectError(
          await postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload(), { formatId: notAllowed }),
          ),
          403,
          "FORMAT_NOT_ALLOWED",
        );
        const deprecated = keccak256(toBytes(`deprecated-${target.name}`));
        await (
          await fx.asOperator.registerFormat(deprecated, `dep-${target.name}`, "1", "file:none", 0)
        ).wait();
        await (await fx.asOperator.setSourceFormats(fx.sourceId, [deprecated], true)).wait();
        await (await fx.asOperator.deprecateFormat(deprecated)).wait();
        await expectError(
          await postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload(), { formatId: deprecated }),
          ),
          422,
          "FORMAT_DEPRECATED",
        );

        const violation = await expectError(
          await postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload({ pm25: "high" })),
          ),
          422,
          "SCHEMA_VIOLATION",
        );
        expect(violation.details.pointer).to.equal("/pm25");
        const badDate = await expectError(
          await postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload({ at: "yesterday" })),
          ),
          422,
          "SCHEMA_VIOLATION",
        );
        expect(badDate.details.pointer).to.equal("/at");

        const envelope = await expectError(
          await postJson(gateway.app, "/v1/records", {
            ...valid,
            operation: { ...valid.operation, deadline: -1 },
          }),
          400,
          "VALIDATION_FAILED",
        );
        expect(JSON.stringify(envelope.details)).to.contain("/operation/deadline");
        expect(await stored()).to.equal(before);
      });

      it("refuses a signature expiring within the deadline margin with SIGNATURE_EXPIRED and accepts one at the margin, alone and in bulk", async () => {
        // createGateway's default minDeadlineMarginSec. The gateway counts from the later of its
        // clock and the head's timestamp: a head well ahead of the clock makes that its timestamp.
        const margin = 60;
        const head = Math.max(Math.floor(Date.now() / 1000), await fx.now()) + 600;
        await connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [head] });
        await connection.provider.request({ method: "evm_mine", params: [] });
        const before = await stored();

        const inside = await makeSubmission(fx, payload(), { deadline: head + margin - 1 });
        const refused = await expectError(
          await postJson(gateway.app, "/v1/records", inside),
          401,
          "SIGNATURE_EXPIRED",
        );
        expect(refused.details).to.include({ now: head, minMarginSec: margin });
        const atMargin = await makeSubmission(fx, payload(), { deadline: head + margin });
        expect((await postJson(gateway.app, "/v1/records", atMargin)).status).to.equal(202);

        const bulk = await postJson(gateway.app, "/v1/records/bulk", [
          await makeSubmission(fx, payload(), { deadline: head + margin - 1 }),
          await makeSubmission(fx, payload(), { deadline: head + margin }),
        ]);
        expect(bulk.status).to.equal(200);
        const { results } = await readJson(bulk);
        expect(
          results.map(
            (r: { status?: string; error?: { code: string } }) => r.status ?? r.error!.code,
          ),
        ).to.deep.equal(["SIGNATURE_EXPIRED", "accepted"]);
        expect(await stored()).to.equal(before + 2);
        expect(await fx.now(), "no block was mined in between").to.equal(head);
      });

      it("rejects a record already anchored on-chain with DUPLICATE_RECORD", async () => {
        const body = await makeSubmission(fx, payload());
        await anchorOnChain(fx, body);
        await expectError(
          await postJson(gateway.app, "/v1/records", body),
          409,
          "DUPLICATE_RECORD",
        );
      });

      it("follows suspensions, key rotations and format changes from the next block on", async () => {
        const { account, sourceId } = await fx.addDevice();
        const submit = async (extra: Parameters<typeof makeSubmission>[2] = {}) =>
          postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload(), { account, ...extra }),
          );
        expect((await submit()).status).to.equal(202); // warms the cache for this key

        await (await fx.asOperator.suspendSource(sourceId, 7)).wait();
        await expectError(await submit(), 403, "SOURCE_INACTIVE");
        await (await fx.asOperator.reactivateSource(sourceId)).wait();
        expect((await submit()).status).to.equal(202);

        await (await fx.asOperator.setSourceFormats(sourceId, [fx.formatId], false)).wait();
        await expectError(await submit(), 403, "FORMAT_NOT_ALLOWED");
        await (await fx.asOperator.setSourceFormats(sourceId, [fx.formatId], true)).wait();
        expect((await submit()).status).to.equal(202);

        const rotated = privateKeyToAccount(generatePrivateKey());
        await (
          await fx.asOperator.rotateSourceKey(
            sourceId,
            rotated.address,
            await signSourceKey({
              account: rotated,
              owner: fx.deviceOwner as Hex,
              domain: fx.domain,
            }),
          )
        ).wait();
        await expectError(await submit(), 403, "SOURCE_INACTIVE");
        expect((await submit({ account: rotated })).status).to.equal(202);
      });

      it("gives each bulk item its own verdict and stores only the valid ones (JSON and NDJSON)", async () => {
        const good1 = await makeSubmission(fx, payload());
        const good2 = await makeSubmission(fx, payload(), { mode: "relayed" });
        const mismatch = {
          ...(await makeSubmission(fx, payload())),
          payload: { station: "Z", pm25: 1 },
        };
        const schemaBad = await makeSubmission(fx, payload({ pm25: -1 }));
        const before = await stored();
        const res = await postJson(gateway.app, "/v1/records/bulk", [
          good1,
          mismatch,
          { nonsense: true },
          good2,
          schemaBad,
          good1,
        ]);
        expect(res.status).to.equal(200);
        const { results } = await readJson(res);
        expect(
          results.map(
            (r: { status?: string; error?: { code: string } }) => r.status ?? r.error!.code,
          ),
        ).to.deep.equal([
          "accepted",
          "DATA_HASH_MISMATCH",
          "VALIDATION_FAILED",
          "accepted",
          "SCHEMA_VIOLATION",
          "accepted",
        ]);
        expect(results[4].error.details.pointer).to.equal("/pm25");
        expect(await stored()).to.equal(before + 2);

        const good3 = await makeSubmission(fx, payload());
        const ndjson = [JSON.stringify(good3), "{not json", JSON.stringify(good1)].join("\n");
        const res2 = await gateway.app.request("/v1/records/bulk", {
          method: "POST",
          headers: { "content-type": "application/x-ndjson" },
          body: ndjson,
        });
        expect(res2.status).to.equal(200);
        const verdicts = (await readJson(res2)).results;
        expect(
          verdicts.map(
            (r: { status?: string; error?: { code: string } }) => r.status ?? r.error!.code,
          ),
        ).to.deep.equal(["accepted", "MALFORMED_JSON", "accepted"]);
        expect(await stored()).to.equal(before + 3);

        const tooMany = Array.from({ length: 21 }, () => good1);
        await expectError(
          await postJson(gateway.app, "/v1/records/bulk", tooMany),
          413,
          "PAYLOAD_TOO_LARGE",
        );
      });

      it("answers GET for unknown and malformed record ids with 404 / 400, and serves /openapi.json", async () => {
        await expectError(
          await gateway.app.request(`/v1/records/${keccak256("0x01")}`),
          404,
          "RECORD_NOT_FOUND",
        );
        await expectError(await gateway.app.request("/v1/records/0x12"), 400, "VALIDATION_FAILED");
        const doc = await readJson(await gateway.app.request("/openapi.json"));
        expect(Object.keys(doc.paths)).to.include.members([
          "/v1/records",
          "/v1/records/bulk",
          "/v1/records/{recordId}",
        ]);
      });

      it("survives malformed and oversized bodies on every R2D route: no 5xx, no state change", async () => {
        const before = await stored();
        const valid = await makeSubmission(fx, payload());
        let rng = 42;
        const random = () => (rng = (rng * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
        const garbage = (): string => {
          const choices = [
            () => "",
            () => "{",
            () => "null",
            () => "[]",
            () => "[1,2,3]",
            () => '"string"',
            () => "1e400",
            () => JSON.stringify({ operation: null, payload: 1 }),
            () => JSON.stringify({ ...valid, mode: "other" }),
            () => JSON.stringify({ ...valid, operation: { ...valid.operation, source: "0xzz" } }),
            () =>
              JSON.stringify({ ...valid, operation: { ...valid.operation, deadline: 2 ** 60 } }),
            () => JSON.stringify({ ...valid, payload: { pm25: 1e400 } }).replace("null", "1e400"),
            () => JSON.stringify({ ...valid, payload: undefined }),
            () => "x".repeat(70_000),
            () => JSON.stringify([{ ...valid, payload: "y".repeat(70_000) }]),
            () =>
              String.fromCharCode(...Array.from({ length: 64 }, () => Math.floor(random() * 256))),
            () => "\u0000\uffff{}",
            () => JSON.stringify(valid).slice(0, Math.floor(random() * 200)),
          ];
          return choices[Math.floor(random() * choices.length)]();
        };
        const types = [
          "application/json",
          "application/x-ndjson",
          "text/plain",
          "",
          "application/json; charset=utf-8",
        ];
        for (let i = 0; i < 120; i++) {
          const body = garbage();
          const headers: Record<string, string> = {};
          const type = types[Math.floor(random() * types.length)];
          if (type) headers["content-type"] = type;
          for (const url of ["/v1/records", "/v1/records/bulk"]) {
            const res = await gateway.app.request(url, { method: "POST", headers, body });
            const text = await res.text();
            expect(res.status, `${url} ${type} ${body.slice(0, 80)} → ${text}`).to.be.below(500);
          }
          const res = await gateway.app.request(
            `/v1/records/${encodeURIComponent(body.slice(0, 100))}`,
          );
          expect(res.status).to.be.below(500);
        }
        // A "1e400" payload still has no canonical form after JSON.parse (Infinity): MALFORMED_JSON.
        const inf = JSON.stringify({ ...valid, payload: "INF" }).replace('"INF"', "1e400");
        await expectError(await postJson(gateway.app, "/v1/records", inf), 400, "MALFORMED_JSON");
        expect(await stored()).to.equal(before);
      });
    });
  }
});

export type { Hex };
