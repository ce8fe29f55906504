import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { IndexM2S } from "../../../../offchain/monitoring/m2s/IndexM2S.js";
import { createGateway, type Gateway } from "../../../../offchain/representation/createGateway.js";
import { canonicalJson } from "../../../../offchain/sdk/canonicalJson.js";
import { recordId } from "../../../../offchain/sdk/recordId.js";
import {
  createReaderKey,
  ledgerDomain,
  readerKeyTypes,
  sealPayload,
  signKeyWraps,
} from "../../../../offchain/sdk/index.js";
import { createServiceApp } from "../../../../offchain/service/createServiceApp.js";
import type { Database } from "../../../../offchain/storage/Database.js";
import { openDatabase } from "../../../../offchain/storage/openDatabase.js";
import { expectCode } from "../../../helpers/expectCode.js";
import { OpenApiConformance } from "../../../helpers/openApiConformance.js";
import { publishDataBlock } from "../../../helpers/publishDataBlock.js";
import { makeSubmission, setUpRepresentation } from "../../../helpers/representationFixture.js";
import {
  createServiceHarness,
  MAX_BODY_BYTES,
  SIWE_DOMAIN,
  SIWE_URI,
  type ServiceHarness,
} from "../../service/serviceHarness.js";

// Both APIs' /openapi.json, checked three ways: the OpenAPI specification's own schema (the
// standard validator), every schema in them compiled with Ajv in strict mode, and real
// responses of each route, success and main errors, against what the document says of them.

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});

/** Runs `action` with console.error captured: the apps log what they answer 500 for. */
async function quietly<T>(action: () => Promise<T>): Promise<{ value: T; logged: unknown[][] }> {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    return { value: await action(), logged };
  } finally {
    console.error = original;
  }
}

async function expectValidDocument(api: OpenApiConformance) {
  expect(api.document.openapi).to.equal("3.1.0");
  const verdict = await api.validateDocument();
  expect(verdict.errors, JSON.stringify(verdict.errors, null, 2)).to.equal(undefined);
  expect(verdict.valid).to.equal(true);
  expect(api.compileAll()).to.deep.equal([]);
}

/** The gateways under test serve their C2R routes behind this token. */
const CONTROL_TOKEN = "openapi-control-token-".padEnd(40, "z");

describe("offchain/shared/http: the OpenAPI documents", function () {
  this.timeout(120_000);

  describe("the conformance checks", () => {
    // An app whose document and answers disagree in each way the checks must catch.
    const app = new OpenAPIHono();
    const Thing = z.object({ id: z.number().int(), note: z.string().nullable() }).openapi("Thing");
    const thing = createRoute({
      method: "get",
      path: "/things/{id}",
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: {
          description: "A thing",
          headers: z.object({ "x-version": z.string().regex(/^\d+$/) }),
          content: { "application/json": { schema: Thing } },
        },
        202: { description: "Accepted, and nothing to say" },
      },
    });
    app.openapi(thing, (c) => {
      const lie = c.req.valid("param").id;
      if (lie !== "header") c.header("x-version", lie === "badheader" ? "v1" : "7");
      if (lie === "status") return c.json({ id: 1, note: null }, 201 as 200);
      if (lie === "type") return c.text("1", 200) as never;
      if (lie === "body") return c.json({ id: "one", note: 2 } as never, 200);
      if (lie === "empty") return c.json({ unexpected: true } as never, 202 as 200);
      return c.json({ id: 1, note: null }, 200);
    });
    app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "t", version: "1" } });

    it("accept what the document says, and fail on each thing it does not", async () => {
      const api = await OpenApiConformance.of(app);
      await expectValidDocument(api);
      const ok = await api.request("/things/fine");
      expect(ok.body).to.deep.equal({ id: 1, note: null });
      expect(ok.operation).to.equal("GET /things/{id}");
      await expectCode(api.request("/things/status"), "UNDOCUMENTED_STATUS");
      await expectCode(api.request("/things/type"), "UNDOCUMENTED_CONTENT_TYPE");
      const body = await expectCode(api.request("/things/body"), "BODY_MISMATCH");
      expect(String(body.details?.errors)).to.contain("/id");
      await expectCode(api.request("/things/header"), "HEADER_MISSING");
      await expectCode(api.request("/things/badheader"), "HEADER_MISMATCH");
      await expectCode(api.request("/things/empty"), "UNDOCUMENTED_BODY");
      await expectCode(api.request("/elsewhere"), "UNDOCUMENTED_OPERATION");
      await expectCode(api.request("/things/fine", { method: "POST" }), "UNDOCUMENTED_OPERATION");
    });

    it("report a schema Ajv cannot compile", async () => {
      const broken = await OpenApiConformance.of(app);
      // What OpenAPI 3.0 documents generated from z.unknown() held: `nullable` without a type.
      (broken.document.components!.schemas as Record<string, object>).Thing = {
        type: "object",
        properties: { note: { nullable: true } },
      };
      const fresh = await OpenApiConformance.of({
        request: async () => Response.json(broken.document),
      });
      expect(fresh.compileAll().map((f) => f.where)).to.include(
        "GET /things/{id} 200 application/json",
      );
    });
  });

  describe("the service's (U2S)", () => {
    let h: ServiceHarness;
    let api: OpenApiConformance;
    let token: string;
    let strangerToken: string;
    const jsonPayload = { station: "C3", pm25: 7 };
    let jsonHash: Hex;
    const rawBytes = new Uint8Array([0xff, 0xfe, 0x00, 0x01]);
    let rawHash: Hex;
    const unstoredHash = keccak256(toBytes("never stored"));
    // The routes take record ids; these are the records of the hashes above.
    let jsonId: Hex;
    let rawId: Hex;
    let unstoredId: Hex;
    let blockId: Hex;

    before(async () => {
      h = await createServiceHarness(() => openDatabase({ url: "" }));
      const { fx } = h;
      jsonHash = await h.blobs.put(toBytes(canonicalJson(jsonPayload)));
      rawHash = await h.blobs.put(rawBytes);
      expect(rawHash).to.equal(keccak256(rawBytes));
      for (const dataHash of [jsonHash, rawHash, unstoredHash]) {
        await (
          await fx.ledger.connect(fx.sourceKey).submitRecord({
            dataHash,
            formatId: fx.formatId,
            metadataHash: keccak256(toBytes("m")),
            sampledAt: 500,
            uri: "",
          })
        ).wait();
      }
      const ops = await Promise.all(
        [1, 2].map((i) => h.signed({ station: "D4", seq: i }, 900 + i)),
      );
      blockId = recordId(ops[0].source, ops[0].record);
      const direct = (dataHash: Hex) =>
        recordId(fx.sourceKey.address as Hex, { dataHash, sampledAt: 500 });
      [jsonId, rawId, unstoredId] = [jsonHash, rawHash, unstoredHash].map(direct);
      await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs: h.blobs,
        operations: ops,
      });
      await h.indexer.syncToHead();
      token = await h.signIn(fx.user);
      strangerToken = await h.signIn(fx.stranger);
      api = await OpenApiConformance.of(h.app);
    });
    after(async () => {
      console.log(
        `      service responses checked:\n        ${api?.coverage().join("\n        ")}`,
      );
      await h?.close();
    });

    const auth = (t: string) => ({ headers: { authorization: `Bearer ${t}` } });

    it("is valid OpenAPI 3.1, and Ajv compiles every schema in it", async () => {
      await expectValidDocument(api);
    });

    it("documents what the auth routes answer", async () => {
      const nonce = await api.request("/v1/auth/nonce");
      expect(nonce.status).to.equal(200);
      const message = await h.siweMessage(h.fx.user);
      const signature = await h.fx.user.signMessage(message);
      expect((await api.request("/v1/auth/verify", json({ message, signature }))).status).to.equal(
        200,
      );
      expect((await api.request("/v1/auth/verify", json({ message }))).status).to.equal(400);
      expect((await api.request("/v1/auth/verify", json("{"))).status).to.equal(400);
      const forged = json({
        message: await h.siweMessage(h.fx.user),
        signature: `0x${"11".repeat(65)}`,
      });
      expect((await api.request("/v1/auth/verify", forged)).status).to.equal(401);
      const wrongType = {
        ...json({ message, signature }),
        headers: { "content-type": "text/plain" },
      };
      expect((await api.request("/v1/auth/verify", wrongType)).status).to.equal(415);
      const huge = json({ message: "x".repeat(MAX_BODY_BYTES), signature });
      expect((await api.request("/v1/auth/verify", huge)).status).to.equal(413);
      const spare = await h.signIn(h.fx.user);
      expect(
        (await api.request("/v1/auth/logout", { method: "POST", ...auth(spare) })).status,
      ).to.equal(204);
      expect((await api.request("/v1/auth/logout", { method: "POST" })).status).to.equal(401);
    });

    it("documents what record search and lookup answer", async () => {
      const search = (query: string, t = token) => api.request(`/v1/records?${query}`, auth(t));
      expect((await search("datasetId=1")).status).to.equal(403);
      const expiresAt = (await h.chainNow()) + 3600;
      await (
        await h.fx.access.connect(h.fx.datasetOwner).grantAccess(1n, h.fx.user.address, expiresAt)
      ).wait();
      const found = await search("datasetId=1&limit=2");
      expect(found.status).to.equal(200);
      expect((found.body as { records: unknown[] }).records).to.have.length(2);
      const next = (found.body as { nextCursor: string }).nextCursor;
      expect((await search(`datasetId=1&cursor=${next}&sampledFrom=0`)).status).to.equal(200);
      expect((await search("")).status).to.equal(400);
      const byHash = await search(`dataHash=${jsonHash}`);
      expect(byHash.status).to.equal(200);
      expect((byHash.body as { records: { recordId: string }[] }).records[0].recordId).to.equal(
        jsonId,
      );
      expect((await search(`dataHash=${jsonHash}`, strangerToken)).status).to.equal(403);
      expect((await search("datasetId=1&limit=500")).status).to.equal(400);
      expect((await api.request("/v1/records?datasetId=1")).status).to.equal(401);

      const record = await api.request(`/v1/records/${blockId}`, auth(token));
      expect(record.status).to.equal(200);
      // A record of a data block carries its receipt, a direct one carries null: both documented.
      expect((record.body as { record: { receipt: unknown } }).record.receipt).to.not.equal(null);
      const direct = await api.request(`/v1/records/${jsonId}`, auth(token));
      expect((direct.body as { record: { receipt: unknown } }).record.receipt).to.equal(null);
      expect((await api.request(`/v1/records/0x12`, auth(token))).status).to.equal(400);
      expect((await api.request(`/v1/records/${keccak256("0x01")}`, auth(token))).status).to.equal(
        404,
      );
      expect((await api.request(`/v1/records/${blockId}`, auth(strangerToken))).status).to.equal(
        403,
      );
      expect((await api.request(`/v1/records/${blockId}`)).status).to.equal(401);
    });

    it("documents both content types the payload route sends, and its errors", async () => {
      const payload = (id: string, t = token) => api.request(`/v1/records/${id}/payload`, auth(t));
      const asJson = await payload(jsonId);
      expect([asJson.status, asJson.mediaType]).to.deep.equal([200, "application/json"]);
      expect(asJson.body).to.deep.equal(jsonPayload);
      expect(asJson.response.headers.get("x-data-hash")).to.equal(jsonHash.toLowerCase());
      const raw = await payload(rawId);
      expect([raw.status, raw.mediaType]).to.deep.equal([200, "application/octet-stream"]);
      expect(new Uint8Array(await raw.response.arrayBuffer())).to.deep.equal(rawBytes);
      expect((await payload(unstoredId)).status).to.equal(404);
      expect((await payload(keccak256("0x02"))).status).to.equal(404);
      expect((await payload("0x12")).status).to.equal(400);
      expect((await payload(jsonId, strangerToken)).status).to.equal(403);
      expect((await api.request(`/v1/records/${jsonId}/payload`)).status).to.equal(401);
    });

    it("documents what fingerprint verification answers, for JSON and multipart", async () => {
      const byHash = await api.request("/v1/verify", json({ dataHash: jsonHash }));
      expect((byHash.body as { recorded: boolean }).recorded).to.equal(true);
      const unknown = await api.request("/v1/verify", json({ payload: { not: "recorded" } }));
      expect((unknown.body as { firstAnchoredAt: unknown }).firstAnchoredAt).to.equal(null);
      const form = new FormData();
      form.set("file", new Blob([rawBytes]), "raw.bin");
      const file = await api.request("/v1/verify", { method: "POST", body: form });
      expect((file.body as { dataHash: string }).dataHash).to.equal(rawHash);
      expect((await api.request("/v1/verify", json({}))).status).to.equal(400);
      expect((await api.request("/v1/verify", json("{"))).status).to.equal(400);
      const text = { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" };
      expect((await api.request("/v1/verify", text)).status).to.equal(415);
      const huge = json({ payload: "x".repeat(MAX_BODY_BYTES) });
      expect((await api.request("/v1/verify", huge)).status).to.equal(413);
    });

    it("documents 503 while the chain is down and 500 for a fault of the service's", async () => {
      const down = new Proxy(h.provider, {
        get(real, key) {
          if (key === "getBlockNumber")
            return () => Promise.reject(new Error("connect ECONNREFUSED"));
          const value = Reflect.get(real, key);
          return typeof value === "function" ? value.bind(real) : value;
        },
      });
      const failing = new Proxy(h.db, {
        get(real, key) {
          if (key === "query") return () => Promise.reject(new Error("the disk is on fire"));
          const value = Reflect.get(real, key);
          return typeof value === "function" ? value.bind(real) : value;
        },
      }) as Database;
      const variant = (deps: { provider?: typeof h.provider; db?: Database }) =>
        createServiceApp({
          db: deps.db ?? h.db,
          m2s: new IndexM2S(deps.db ?? h.db),
          blobs: h.blobs,
          provider: deps.provider ?? h.provider,
          ledgerAddress: h.ledgerAddress,
          accessAddress: h.accessAddress,
          siwe: { domain: SIWE_DOMAIN, uri: SIWE_URI, chainId: h.chainId },
          now: () => h.clock.now,
          maxBodyBytes: MAX_BODY_BYTES,
          readiness: deps.provider ? undefined : {},
        });
      const chainDown = await OpenApiConformance.of(variant({ provider: down }));
      for (const path of [
        "/v1/records?datasetId=1",
        `/v1/records?dataHash=${jsonHash}`,
        `/v1/records/${jsonId}`,
        `/v1/records/${jsonId}/payload`,
      ]) {
        expect((await chainDown.request(path, auth(token))).status, path).to.equal(503);
      }
      expect((await chainDown.request("/ready")).status).to.equal(503);
      expect((await chainDown.request("/health")).status).to.equal(200);

      const faulty = await OpenApiConformance.of(variant({ db: failing }));
      const { value: fault, logged } = await quietly(() =>
        faulty.request("/v1/verify", json({ dataHash: jsonHash })),
      );
      expect(fault.status).to.equal(500);
      expect(logged).to.have.length(1);
      // Readiness with nothing to check is ready: the one way to see /ready's 200 here.
      expect((await faulty.request("/ready")).status).to.equal(200);

      api.merge(faulty);
      api.merge(chainDown);
    });

    it("documents what the reader key and key wrap routes of confidential payloads answer", async () => {
      const domain = ledgerDomain(h.chainId, h.ledgerAddress);
      const reader = createReaderKey();
      const message = {
        account: h.fx.user.address as Hex,
        encryptionKey: reader.publicKey,
        issuedAt: await h.chainNow(),
      };
      const signature = (await h.fx.user.signTypedData(
        domain,
        { ReaderKey: [...readerKeyTypes.ReaderKey] },
        message,
      )) as Hex;
      expect(
        (
          await api.request("/v1/reader-keys", {
            ...json({ ...message, signature }),
            method: "PUT",
          })
        ).status,
      ).to.equal(200);
      expect(
        (await api.request("/v1/reader-keys", { ...json({ ...message }), method: "PUT" })).status,
      ).to.equal(400);
      expect((await api.request(`/v1/reader-keys/${h.fx.user.address}`)).status).to.equal(200);
      expect((await api.request(`/v1/reader-keys/${h.fx.stranger.address}`)).status).to.equal(404);
      expect((await api.request("/v1/datasets/1/reader-keys")).status).to.equal(200);

      const sealed = sealPayload({
        payload: { secret: "openapi" },
        readerKeys: [reader.publicKey],
      });
      const operation = await h.signed(sealed.envelope, 7_000);
      await publishDataBlock({
        ledger: h.fx.ledger,
        gateway: h.fx.gateway,
        blobs: h.blobs,
        operations: [operation],
      });
      await h.indexer.syncToHead();
      const rid = recordId(operation.source, operation.record);
      const wraps = {
        wraps: sealed.wraps,
        signer: h.device.address,
        signature: await signKeyWraps({
          account: h.device,
          domain,
          recordId: rid,
          wraps: sealed.wraps,
        }),
        dataHash: operation.record.dataHash,
        sampledAt: operation.record.sampledAt,
      };
      expect(
        (await api.request(`/v1/records/${rid}/wraps`, { ...json(wraps), method: "PUT" })).status,
      ).to.equal(200);
      expect(
        (
          await api.request(`/v1/records/${rid}/wraps`, {
            ...json({ ...wraps, wraps: "x" }),
            method: "PUT",
          })
        ).status,
      ).to.equal(400);
      const expiresAt = (await h.chainNow()) + 3600;
      await (
        await h.fx.access.connect(h.fx.datasetOwner).grantAccess(1n, h.fx.user.address, expiresAt)
      ).wait();
      expect((await api.request(`/v1/records/${rid}/wrap`, auth(token))).status).to.equal(200);
      expect((await api.request(`/v1/records/${rid}/wrap`, auth(strangerToken))).status).to.equal(
        403,
      );
      expect((await api.request(`/v1/records/${rid}/wrap`)).status).to.equal(401);
    });

    it("saw every operation of the document succeed", () => {
      // The O2C routes (/v1/o2c/*) need an operator and a gateway: test/offchain/service/o2c.test.ts
      // checks their real responses against this same document and sees each of them succeed.
      expect(api.neverSucceeded().filter((op) => !op.includes(" /v1/o2c/"))).to.deep.equal([]);
    });
  });

  describe("the gateway's (R2D)", () => {
    let gateway: Gateway;
    let busy: Gateway;
    let api: OpenApiConformance;
    let fx: Awaited<ReturnType<typeof setUpRepresentation>>;
    let seq = 0;
    const payload = (extra: Record<string, unknown> = {}) => ({
      station: "G1",
      pm25: 3,
      seq: seq++,
      ...extra,
    });

    before(async () => {
      fx = await setUpRepresentation(await network.create());
      const open = async (maxBacklog?: number) =>
        createGateway({
          ledgerAddress: fx.ledgerAddress,
          provider: fx.provider,
          signer: fx.gatewaySigner,
          database: await openDatabase({ url: "" }),
          blobStore: fx.blobStore,
          startLoops: false,
          controlToken: CONTROL_TOKEN,
          limits: {
            maxBodyBytes: 16 * 1024,
            maxPayloadBytes: 4 * 1024,
            maxBulkItems: 5,
            maxBacklog,
          },
        });
      gateway = await open();
      busy = await open(1);
      api = await OpenApiConformance.of(gateway.app);
    });
    after(async () => {
      console.log(
        `      gateway responses checked:\n        ${api?.coverage().join("\n        ")}`,
      );
      for (const g of [gateway, busy]) {
        await g?.close();
        await g?.db.close().catch(() => {});
      }
    });

    it("is valid OpenAPI 3.1, and Ajv compiles every schema in it", async () => {
      await expectValidDocument(api);
    });

    it("documents what submitting one record answers", async () => {
      const valid = await makeSubmission(fx, payload());
      expect((await api.request("/v1/records", json(valid))).status).to.equal(202);
      expect((await api.request("/v1/records", json(valid))).status).to.equal(200);
      // The same reading (source, data hash, sampling time) signed again as another operation.
      const rival = await makeSubmission(fx, valid.payload, { uri: "ipfs://another-copy" });
      expect((await api.request("/v1/records", json(rival))).status).to.equal(409);
      expect((await api.request("/v1/records", json('{"operation": '))).status).to.equal(400);
      expect((await api.request("/v1/records", json({ payload: 1 }))).status).to.equal(400);
      const fresh = await makeSubmission(fx, payload());
      const forged = { ...fresh, operation: { ...fresh.operation, signature: "0x1234" } };
      expect((await api.request("/v1/records", json(forged))).status).to.equal(401);
      const stranger = privateKeyToAccount(generatePrivateKey());
      const unknown = await makeSubmission(fx, payload(), { account: stranger });
      expect((await api.request("/v1/records", json(unknown))).status).to.equal(403);
      const altered = { ...fresh, payload: { ...fresh.payload, pm25: 99 } };
      expect((await api.request("/v1/records", json(altered))).status).to.equal(422);
      const huge = { ...fresh, payload: "x".repeat(20_000) };
      expect((await api.request("/v1/records", json(huge))).status).to.equal(413);
      const text = { ...json(fresh), headers: { "content-type": "text/plain" } };
      expect((await api.request("/v1/records", text)).status).to.equal(415);
    });

    it("documents what bulk submission answers, JSON array and NDJSON", async () => {
      const items = await Promise.all([0, 1].map(() => makeSubmission(fx, payload())));
      const array = await api.request("/v1/records/bulk", json([items[0], { nonsense: true }]));
      expect(array.status).to.equal(200);
      const verdicts = (array.body as { results: { error?: { code: string } }[] }).results;
      expect(verdicts[1].error?.code).to.equal("VALIDATION_FAILED");
      const ndjson = await api.request("/v1/records/bulk", {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: `${JSON.stringify(items[1])}\nnot json\n`,
      });
      expect(ndjson.status).to.equal(200);
      expect((await api.request("/v1/records/bulk", json({ not: "an array" }))).status).to.equal(
        400,
      );
      expect(
        (await api.request("/v1/records/bulk", json(Array(6).fill(items[0])))).status,
      ).to.equal(413);
      const text = { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b" };
      expect((await api.request("/v1/records/bulk", text)).status).to.equal(415);
    });

    it("documents what reading a record's status answers", async () => {
      const body = await makeSubmission(fx, payload());
      await api.request("/v1/records", json(body));
      const state = await api.request(
        `/v1/records/${recordId(body.operation.source, body.operation.record)}`,
      );
      expect([state.status, (state.body as { status: string }).status]).to.deep.equal([
        200,
        "accepted",
      ]);
      expect((await api.request("/v1/records/0x12")).status).to.equal(400);
      expect((await api.request(`/v1/records/${keccak256("0x03")}`)).status).to.equal(404);
      expect((await api.request("/health")).status).to.equal(200);
      expect((await api.request("/ready")).status).to.equal(200);
    });

    it("documents 503 GATEWAY_BUSY with Retry-After, and 500 for a fault of the gateway's", async () => {
      const full = await OpenApiConformance.of(busy.app);
      expect(
        (await full.request("/v1/records", json(await makeSubmission(fx, payload())))).status,
      ).to.equal(202);
      const refused = await full.request("/v1/records", json(await makeSubmission(fx, payload())));
      expect(refused.status).to.equal(503);
      expect(refused.response.headers.get("retry-after")).to.equal("1");
      const bulk = await full.request(
        "/v1/records/bulk",
        json([await makeSubmission(fx, payload())]),
      );
      expect(bulk.status).to.equal(503);
      await busy.db.close();
      const { value: fault, logged } = await quietly(() =>
        full.request(`/v1/records/${keccak256("0x04")}`),
      );
      expect(fault.status).to.equal(500);
      expect(logged).to.have.length.at.least(1);
      api.merge(full);
    });

    it("documents what the C2R control routes and QUOTA_EXCEEDED answer", async () => {
      const control = (method: string, route: string, body?: unknown, token = CONTROL_TOKEN) =>
        api.request(`/v1/control${route}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const { account, sourceId } = await fx.addDevice();
      expect(
        (await control("PUT", `/quotas/${sourceId}`, { records: 1, periodSec: 60 })).status,
      ).to.equal(200);
      expect((await control("PUT", "/quotas/0", { records: 1, periodSec: 60 })).status).to.equal(
        400,
      );
      expect((await control("GET", "/quotas", undefined, "wrong")).status).to.equal(401);
      expect((await control("GET", "/quotas")).status).to.equal(200);
      expect(
        (await api.request("/v1/records", json(await makeSubmission(fx, payload(), { account }))))
          .status,
      ).to.equal(202);
      const over = await api.request(
        "/v1/records",
        json(await makeSubmission(fx, payload(), { account })),
      );
      expect(over.status).to.equal(429);
      expect(Number(over.response.headers.get("retry-after"))).to.be.within(1, 60);
      expect((await control("DELETE", `/quotas/${sourceId}`)).status).to.equal(204);
      expect((await control("DELETE", "/quotas/x")).status).to.equal(400);
      expect((await control("GET", "/settings")).status).to.equal(200);
      expect((await control("PATCH", "/settings", { maxWaitMs: 500 })).status).to.equal(200);
      expect((await control("PATCH", "/settings", { maxWaitMs: -1 })).status).to.equal(400);
      expect((await control("PATCH", "/settings", { maxWaitMs: null })).status).to.equal(200);
    });

    it("saw every operation of the document succeed", () => {
      expect(api.neverSucceeded()).to.deep.equal([]);
    });
  });
});
