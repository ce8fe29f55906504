import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, keccak256, toBytes, type Hex } from "viem";
import { createSiweMessage } from "viem/siwe";

import type {
  IndexedRecord,
  M2S,
  RecordFilter,
  RecordPage,
} from "../../../offchain/monitoring/m2s/M2S.js";
import { createServiceApp } from "../../../offchain/service/createServiceApp.js";
import { serviceMigrations } from "../../../offchain/service/schema.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { deployLedger, type LedgerFixture } from "../../fixtures/deployLedger.js";

/**
 * An M2S held in memory: what the monitoring FE would answer, without any index behind it. It
 * applies the filter fields the routes send and records every call, so a test can tell what the
 * service asked.
 */
class FakeM2S implements M2S {
  readonly calls: string[] = [];
  constructor(
    readonly records: IndexedRecord[],
    readonly members: Record<string, { source: string[]; format: string[] }>,
  ) {}

  async search(filter: RecordFilter): Promise<RecordPage> {
    this.calls.push("search");
    const position = (r: IndexedRecord) => [r.blockNumber, r.logIndex, r.leafIndex ?? -1];
    const after = (r: IndexedRecord) => {
      if (!filter.after) return true;
      const p = position(r);
      for (let i = 0; i < 3; i++) if (p[i] !== filter.after[i]) return p[i] > filter.after[i];
      return false;
    };
    const matching = this.records.filter(
      (r) =>
        (!filter.sourceIds || (r.sourceId !== null && filter.sourceIds.includes(r.sourceId))) &&
        (!filter.formatIds || filter.formatIds.includes(r.formatId.toLowerCase())) &&
        (!filter.dataHash || r.dataHash === filter.dataHash.toLowerCase()) &&
        after(r),
    );
    return { records: matching.slice(0, filter.limit), more: matching.length > filter.limit };
  }

  async byRecordId(recordId: string): Promise<IndexedRecord[]> {
    this.calls.push("byRecordId");
    return this.records.filter((r) => r.recordId === recordId.toLowerCase());
  }

  async byDataHash(dataHash: string): Promise<IndexedRecord[]> {
    this.calls.push("byDataHash");
    return this.records.filter((r) => r.dataHash === dataHash.toLowerCase());
  }

  async datasetMembers(datasetId: bigint, memberType: "source" | "format"): Promise<string[]> {
    this.calls.push("datasetMembers");
    return this.members[datasetId.toString()]?.[memberType] ?? [];
  }

  async datasetsContaining(sourceId: string, formatId: string): Promise<bigint[]> {
    this.calls.push("datasetsContaining");
    return Object.entries(this.members)
      .filter(([, m]) => m.source.includes(sourceId) && m.format.includes(formatId.toLowerCase()))
      .map(([id]) => BigInt(id));
  }
}

/** A direct record as the index would report it; `n` makes its ids and position distinct. */
function fakeRecord(n: number, fields: Partial<IndexedRecord>): IndexedRecord {
  const word = (tag: string) => keccak256(toBytes(`${tag}-${n}`));
  return {
    recordId: word("record"),
    dataHash: word("data"),
    kind: "direct",
    sourceKey: getAddress(word("key").slice(0, 42)),
    sourceId: "1",
    formatId: word("format"),
    metadataHash: word("metadata"),
    sampledAt: 1_000 + n,
    uri: `blob:${n}`,
    status: "active",
    anchoredAt: 2_000 + n,
    blockNumber: 10 + n,
    blockHash: word("block"),
    txHash: word("tx"),
    logIndex: 0,
    leafIndex: null,
    blockId: null,
    root: null,
    proof: null,
    blockDisputes: null,
    finalized: n < 3,
    receipt: null,
    ...fields,
  };
}

/**
 * The service's record and verify routes over an M2S that is not the index: its database holds
 * only the service's own tables, so any read of the supervisor's tables would fail. What it
 * shows must be what M2S answered, narrowed by what the chain (S2P) confirms.
 */
describe("offchain/service: routes over a fake M2S (no index tables)", function () {
  this.timeout(60_000);
  let connection: Awaited<ReturnType<typeof network.create>>;
  let fx: LedgerFixture;
  let db: Database;
  let m2s: FakeM2S;
  let app: ReturnType<typeof createServiceApp>;
  let token: string;
  const payload = toBytes('{"pm25":7}');
  const payloadHash = keccak256(payload);
  let inDataset: IndexedRecord;
  let twin: IndexedRecord;
  let outsider: IndexedRecord;

  const get = async (pathname: string) => {
    const response = await app.request(pathname, {
      headers: { authorization: `Bearer ${token}` },
    });
    // Tests read records, pages and errors alike, as the service harness does.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body: any = await response.clone().json();
    return { status: response.status, response, body };
  };

  before(async () => {
    connection = await network.create();
    fx = await deployLedger(connection as Parameters<typeof deployLedger>[0]);
    const provider = connection.ethers.provider;
    const chainId = Number((await provider.getNetwork()).chainId);
    db = await openDatabase({ url: "" });
    await migrate(db, serviceMigrations);
    const blobs = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "svc-fake-m2s-")));
    await blobs.put(payload);
    const format = fx.formatId.toLowerCase() as Hex;
    // Source 1 with the fixture's format is in dataset 1 on-chain; the twin holds the same data
    // hash from source 1 too; the outsider is source 99, which the chain knows nothing of.
    inDataset = fakeRecord(1, { dataHash: payloadHash, formatId: format });
    twin = fakeRecord(2, { dataHash: payloadHash, formatId: format, sampledAt: 999 });
    outsider = fakeRecord(3, { dataHash: payloadHash, formatId: format, sourceId: "99" });
    // The fake says source 99 is a member: a stale or wrong index, which the chain overrules.
    m2s = new FakeM2S([inDataset, twin, outsider], {
      "1": { source: ["1", "99"], format: [format] },
    });
    app = createServiceApp({
      db,
      m2s,
      blobs,
      provider,
      ledgerAddress: await fx.ledger.getAddress(),
      accessAddress: await fx.access.getAddress(),
      siwe: { domain: "data.example.org", uri: "https://data.example.org/login", chainId },
    });
    const expiresAt = Number((await provider.getBlock("latest"))!.timestamp) + 3600;
    await (
      await fx.access.connect(fx.datasetOwner).grantAccess(1n, fx.user.address, expiresAt)
    ).wait();

    const { nonce } = (await (await app.request("/v1/auth/nonce")).json()) as { nonce: string };
    const message = createSiweMessage({
      address: fx.user.address as Hex,
      chainId,
      domain: "data.example.org",
      nonce,
      uri: "https://data.example.org/login",
      version: "1",
      issuedAt: new Date(),
    });
    const signedIn = await app.request("/v1/auth/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message, signature: await fx.user.signMessage(message) }),
    });
    token = ((await signedIn.json()) as { token: string }).token;
  });

  after(async () => {
    await db.close();
    await connection.close();
  });

  it("runs on a database without the index's tables", async () => {
    const [row] = await db.query<{ t: string | null }>("select to_regclass('idx_records') as t");
    expect(row.t).to.equal(null);
  });

  it("returns a record and its occurrences as M2S answers them, and 404 for one it does not know", async () => {
    const found = await get(`/v1/records/${inDataset.recordId}`);
    expect(found.status).to.equal(200);
    expect(found.body).to.deep.equal({ record: inDataset, occurrences: [inDataset] });
    const missing = await get(`/v1/records/${keccak256(toBytes("nothing"))}`);
    expect([missing.status, missing.body.error.code]).to.deep.equal([404, "NOT_FOUND"]);
  });

  it("pages every record of a data hash through M2S's position cursor", async () => {
    const first = await get(`/v1/records?dataHash=${payloadHash}&limit=2`);
    expect(first.status).to.equal(200);
    expect(first.body.records).to.deep.equal([inDataset, twin]);
    expect(first.body.nextCursor).to.be.a("string");
    const rest = await get(
      `/v1/records?dataHash=${payloadHash}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(rest.body).to.deep.equal({ records: [outsider], nextCursor: null });
  });

  it("lists a dataset's records only for members the chain confirms, whatever M2S claims", async () => {
    const listed = await get("/v1/records?datasetId=1");
    expect(listed.status).to.equal(200);
    expect(listed.body.records.map((r: IndexedRecord) => r.recordId)).to.deep.equal([
      inDataset.recordId,
      twin.recordId,
    ]);
  });

  it("serves a payload under the on-chain grant, and denies one M2S wrongly places in the dataset", async () => {
    const served = await get(`/v1/records/${inDataset.recordId}/payload`);
    expect(served.status).to.equal(200);
    expect(new Uint8Array(await served.response.arrayBuffer())).to.deep.equal(payload);
    expect(served.response.headers.get("x-data-hash")).to.equal(payloadHash);
    const denied = await get(`/v1/records/${outsider.recordId}/payload`);
    expect([denied.status, denied.body.error.code]).to.deep.equal([403, "ACCESS_DENIED"]);
  });

  it("verifies a fingerprint from M2S's records of the data hash", async () => {
    const response = await app.request("/v1/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ dataHash: payloadHash }),
    });
    expect(await response.json()).to.deep.equal({
      dataHash: payloadHash,
      recorded: true,
      firstAnchoredAt: inDataset.anchoredAt,
      records: [inDataset, twin, outsider],
    });
    expect(m2s.calls).to.include.members([
      "search",
      "byRecordId",
      "byDataHash",
      "datasetMembers",
      "datasetsContaining",
    ]);
  });
});
