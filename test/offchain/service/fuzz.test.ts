import { expect } from "chai";

import type { Database } from "../../../offchain/storage/Database.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { publishDataBlock } from "../../helpers/publishDataBlock.js";
import { createServiceHarness, MAX_BODY_BYTES, type ServiceHarness } from "./serviceHarness.js";

/** mulberry32: a seeded PRNG so a failing case can be replayed from the printed seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

type Rng = ReturnType<typeof prng>;

const KEYS = [
  "message",
  "signature",
  "dataHash",
  "payload",
  "file",
  "datasetId",
  "__proto__",
  "constructor",
  "",
  "x",
];

function randomString(r: Rng, max = 80): string {
  const alphabet = [
    "a",
    "0",
    "x",
    "\u0000",
    "é",
    "💥",
    "%",
    "/",
    "?",
    "&",
    "=",
    '"',
    "\\",
    "{",
    "]",
    " ",
    "\n",
  ];
  return Array.from({ length: r.int(max) }, () => r.pick(alphabet)).join("");
}

function randomJson(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 4 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return r.pick([0, -1, 1e308, 2 ** 53 + 1, 0.1, -0]);
    case 2:
      return randomString(r);
    case 3:
      return r.pick([true, false]);
    case 4:
      return r.pick(["0x", "0x" + "f".repeat(64), "0x" + "g".repeat(64), "0x" + "1".repeat(130)]);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [r.pick(KEYS), randomJson(r, depth + 1)]),
      );
  }
}

function randomBody(r: Rng): { body?: RequestInit["body"]; contentType?: string } {
  const contentType = r.pick([
    "application/json",
    "application/json",
    "text/plain",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "garbage/ä;;;=",
    undefined,
  ]);
  switch (r.int(7)) {
    case 0:
      return { contentType, body: JSON.stringify(randomJson(r)) };
    case 1:
      return {
        contentType,
        body: new Uint8Array(Array.from({ length: r.int(512) }, () => r.int(256))),
      };
    case 2:
      return { contentType, body: "[".repeat(20_000) + "]".repeat(20_000) };
    case 3:
      return { contentType, body: "x".repeat(MAX_BODY_BYTES + 1 + r.int(1000)) };
    case 4: {
      const form = new FormData();
      for (let i = 0; i < r.int(3) + 1; i++) {
        if (r.int(2)) form.append(r.pick(KEYS), new Blob([randomString(r, 300)]), "f.bin");
        else form.append(r.pick(KEYS), randomString(r));
      }
      return { body: form };
    }
    case 5:
      return {
        contentType: "application/json",
        body: `{"payload":${"[".repeat(15_000)}${"]".repeat(15_000)}}`,
      };
    default:
      return { contentType, body: randomString(r, 400) };
  }
}

function randomSegment(r: Rng): string {
  return encodeURIComponent(
    r.pick([randomString(r, 70), "0x" + "ab".repeat(32), "0x" + "zz".repeat(32), "%", ".."]),
  );
}

function randomQuery(r: Rng): string {
  const names = [
    "datasetId",
    "sourceId",
    "sourceKey",
    "formatId",
    "dataHash",
    "sampledFrom",
    "sampledTo",
    "cursor",
    "limit",
  ];
  const values = [
    "1",
    "-1",
    "0",
    "1e99",
    "18446744073709551616",
    "abc",
    "0x" + "1".repeat(64),
    "",
    randomString(r, 40),
  ];
  return Array.from(
    { length: r.int(6) },
    () => `${r.pick(names)}=${encodeURIComponent(r.pick(values))}`,
  ).join("&");
}

async function snapshot(db: Database): Promise<string> {
  const tables = [
    "svc_sessions",
    "svc_nonces",
    "svc_reader_keys",
    "svc_key_wraps",
    "idx_events",
    "idx_records",
    "idx_data_blocks",
    "idx_status_changes",
    "idx_dataset_members",
    "idx_source_keys",
    "idx_source_epochs",
    "idx_checkpoint",
  ];
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await db.query(`select * from ${table}`);
    parts.push(`${table}:${JSON.stringify(rows.map((row) => JSON.stringify(row)).sort())}`);
  }
  return parts.join("\n");
}

for (const target of databaseTargets()) {
  describe(`offchain/service: fuzzing every U2S route (${target.name})`, function () {
    this.timeout(300_000);
    let h: ServiceHarness;
    let token: string;

    before(async () => {
      h = await createServiceHarness(target.open);
      const ops = [await h.signed({ n: 1 }, 1), await h.signed({ n: 2 }, 2)];
      await publishDataBlock({
        ledger: h.fx.ledger,
        gateway: h.fx.gateway,
        blobs: h.blobs,
        operations: ops,
      });
      const expiresAt = (await h.chainNow()) + 86_400;
      await (
        await h.fx.access.connect(h.fx.datasetOwner).grantAccess(1n, h.fx.user.address, expiresAt)
      ).wait();
      await h.indexer.syncToHead();
      token = await h.signIn(h.fx.user);
    });
    after(() => h.close());

    const seed = Number(process.env.FUZZ_SEED ?? 0x5eed);
    const routes: {
      label: string;
      method: string;
      path: (r: Rng) => string;
      hasBody: boolean;
      mutatesWithToken?: boolean;
    }[] = [
      { label: "/v1/auth/verify", method: "POST", path: () => "/v1/auth/verify", hasBody: true },
      // A valid token would rightly end its session, so only invalid ones are sent here.
      {
        label: "/v1/auth/logout",
        method: "POST",
        path: () => "/v1/auth/logout",
        hasBody: true,
        mutatesWithToken: true,
      },
      {
        label: "/v1/records",
        method: "GET",
        path: (r) => `/v1/records?${randomQuery(r)}`,
        hasBody: false,
      },
      {
        label: "/v1/records/{recordId}",
        method: "GET",
        path: (r) => `/v1/records/${randomSegment(r)}?${randomQuery(r)}`,
        hasBody: false,
      },
      {
        label: "/v1/records/{recordId}/payload",
        method: "GET",
        path: (r) => `/v1/records/${randomSegment(r)}/payload?${randomQuery(r)}`,
        hasBody: false,
      },
      { label: "/v1/verify", method: "POST", path: () => "/v1/verify", hasBody: true },
      // Confidential payloads: random statements and wraps carry no valid signature, so nothing
      // may be stored.
      { label: "/v1/reader-keys", method: "PUT", path: () => "/v1/reader-keys", hasBody: true },
      {
        label: "/v1/reader-keys/{account}",
        method: "GET",
        path: (r) => `/v1/reader-keys/${randomSegment(r)}`,
        hasBody: false,
      },
      {
        label: "/v1/datasets/{datasetId}/reader-keys",
        method: "GET",
        path: (r) => `/v1/datasets/${randomSegment(r)}/reader-keys`,
        hasBody: false,
      },
      {
        label: "/v1/records/{recordId}/wraps",
        method: "PUT",
        path: (r) => `/v1/records/${randomSegment(r)}/wraps`,
        hasBody: true,
      },
      {
        label: "/v1/records/{recordId}/wrap",
        method: "GET",
        path: (r) => `/v1/records/${randomSegment(r)}/wrap?${randomQuery(r)}`,
        hasBody: false,
      },
    ];

    for (const route of routes) {
      it(`${route.method} ${route.label}: no 5xx, one error shape, no state change (seed ${seed})`, async () => {
        const r = prng(seed + route.label.length * 31 + route.method.length);
        const before = await snapshot(h.db);
        const blockBefore = await h.provider.getBlockNumber();
        for (let i = 0; i < 60; i++) {
          const headers = new Headers();
          const auth = r.pick(["none", "random", "bearer-random", "valid"]);
          if (auth === "random")
            headers.set("authorization", randomString(r, 60).replace(/[^\x20-\x7e]/g, "a"));
          if (auth === "bearer-random")
            headers.set("authorization", `Bearer ${"A".repeat(r.int(200))}`);
          if (auth === "valid" && !route.mutatesWithToken)
            headers.set("authorization", `Bearer ${token}`);
          const init: RequestInit = { method: route.method, headers };
          if (route.hasBody) {
            const { body, contentType } = randomBody(r);
            init.body = body;
            if (contentType) headers.set("content-type", contentType);
          }
          const path = route.path(r);
          const response = await h.app.request(path, init);
          const text = await response.text();
          const context = `${route.method} ${path} [${headers.get("content-type")}] -> ${response.status} ${text.slice(0, 200)}`;
          expect(response.status, context).to.be.below(500);
          if (response.status >= 400) {
            const body = JSON.parse(text) as {
              error: { code: string; message: string; details: object };
            };
            expect(body.error.code, context).to.match(/^[A-Z_]+$/);
            expect(body.error.message, context).to.be.a("string");
            expect(body.error.details, context).to.be.an("object");
          }
        }
        expect(await snapshot(h.db)).to.equal(before);
        expect(await h.provider.getBlockNumber()).to.equal(blockBefore);
      });
    }

    it("GET /v1/auth/nonce with garbage query and headers: no 5xx, only a nonce row is added", async () => {
      const r = prng(seed);
      for (let i = 0; i < 10; i++) {
        const response = await h.app.request(`/v1/auth/nonce?${randomQuery(r)}`, {
          headers: { authorization: `Bearer ${randomString(r, 20).replace(/[^\x20-\x7e]/g, "a")}` },
        });
        expect(response.status).to.equal(200);
      }
    });
  });
}
