import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { HDNodeWallet, Mnemonic, type Provider } from "ethers";
import { network } from "hardhat";
import { keccak256, toBytes, type Hex } from "viem";
import { createSiweMessage } from "viem/siwe";

import {
  checkConfiguration,
  type CheckConfigurationOptions,
  type Finding,
} from "../../../offchain/control/checkConfiguration.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { signSourceKey } from "../../../offchain/sdk/signSourceKey.js";
import { serviceMigrations } from "../../../offchain/service/schema.js";
import { SessionStore } from "../../../offchain/service/SessionStore.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  actorsFromMnemonic,
  bootstrapLedger,
  DEV_MNEMONIC,
  type BootstrappedLedger,
} from "../../../offchain/system/bootstrapLedger.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
  type AccessRegistry,
  type DataLedger,
} from "../../../types/ethers-contracts/index.js";
import { expectCode } from "../../helpers/expectCode.js";

/**
 * The controlling FE's configuration check (Y.4561 8.4) on `npm start`'s demo deployment
 * (bootstrapLedger) plus a format whose schema is a file: a healthy suite yields no finding, then
 * each test breaks it one way through the contracts' public interface (or the services' state)
 * and requires exactly the finding of that kind, with its ids. Each test starts from the same
 * chain snapshot.
 */

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const provider = ethers.provider as unknown as Provider;
const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
const account = (i: number) =>
  HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).connect(provider);
const actors = actorsFromMnemonic(provider);
const SIWE = { domain: "data.example.org", uri: "https://data.example.org/login" };
const FILE_SCHEMA = JSON.stringify({ type: "object", properties: { db: { type: "number" } } });

describe("offchain/control: checkConfiguration (8.4 configuration checks)", function () {
  this.timeout(60_000);

  let boot: BootstrappedLedger;
  let ledger: DataLedger;
  let access: AccessRegistry;
  let schemaDir: string;
  let blobStore: DirectoryBlobStore;
  let fileFormatId: Hex;
  let snapshot: Awaited<ReturnType<typeof networkHelpers.takeSnapshot>>;

  const codes = (findings: Finding[]) => findings.map((f) => f.code);
  const check = (extra: Partial<CheckConfigurationOptions> = {}) =>
    checkConfiguration({
      provider,
      ledger: boot.ledgerAddress,
      accessRegistry: boot.accessAddress,
      gateway: actors.gateway.address,
      formatDocuments: { baseDir: schemaDir, blobStore },
      ...extra,
    });
  const asOperator = () => ledger.connect(actors.operator);
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  before(async () => {
    schemaDir = await mkdtemp(path.join(tmpdir(), "config-check-"));
    blobStore = new DirectoryBlobStore(path.join(schemaDir, "blobs"));
    boot = await bootstrapLedger({ actors, blobStore, devices: 2 });
    ledger = DataLedger__factory.connect(boot.ledgerAddress, provider);
    access = AccessRegistry__factory.connect(boot.accessAddress, provider);
    // A second format, its schema a file the operator edits by hand, allowed to source 1.
    await writeFile(path.join(schemaDir, "noise.json"), FILE_SCHEMA);
    fileFormatId = keccak256(toBytes(FILE_SCHEMA));
    await send(asOperator().registerFormat(fileFormatId, "noise", "1.0.0", "file:noise.json", 0));
    await send(asOperator().setSourceFormats(1n, [fileFormatId], true));
    snapshot = await networkHelpers.takeSnapshot();
  });

  afterEach(async () => {
    await snapshot.restore();
    await writeFile(path.join(schemaDir, "noise.json"), FILE_SCHEMA);
  });

  after(async () => {
    await rm(schemaDir, { recursive: true, force: true });
    await connection.close();
  });

  it("finds nothing on the healthy deployment, reading the logs in one request", async () => {
    let getLogsCalls = 0;
    const counting = new Proxy(provider, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property === "getLogs") getLogsCalls++;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(await check({ provider: counting })).to.deep.equal([]);
    expect(getLogsCalls).to.equal(1);
  });

  it("SOURCE_FORMAT_DEPRECATED: a format deprecated while sources are still allowed it", async () => {
    await send(asOperator().deprecateFormat(boot.formatId));
    const findings = await check();
    expect(codes(findings)).to.deep.equal(["SOURCE_FORMAT_DEPRECATED", "SOURCE_FORMAT_DEPRECATED"]);
    expect(findings.map((f) => f.ids)).to.deep.equal([
      { sourceId: "1", formatId: boot.formatId },
      { sourceId: "2", formatId: boot.formatId },
    ]);
    // Disallowing it for both sources clears the finding; so would revoking them.
    await send(asOperator().setSourceFormats(1n, [boot.formatId], false));
    await send(asOperator().revokeSource(2n, 0));
    expect(await check()).to.deep.equal([]);
  });

  it("FORMAT_SCHEMA_MISMATCH / UNREACHABLE: the stored schema edited, then gone", async () => {
    const file = path.join(schemaDir, "noise.json");
    await writeFile(file, FILE_SCHEMA.replace("number", "string"));
    const edited = await check();
    expect(codes(edited)).to.deep.equal(["FORMAT_SCHEMA_MISMATCH"]);
    expect(edited[0].ids).to.deep.equal({ formatId: fileFormatId, uri: "file:noise.json" });

    await rm(file);
    const gone = await check();
    expect(codes(gone)).to.deep.equal(["FORMAT_SCHEMA_UNREACHABLE"]);
    expect(gone[0].ids).to.deep.equal({ formatId: fileFormatId, uri: "file:noise.json" });
    // Without the gateway's BlobStore the blob: schema of bootstrap's format cannot be fetched.
    const noBlobs = await check({ formatDocuments: { baseDir: schemaDir } });
    expect(noBlobs.map((f) => [f.code, f.ids.formatId])).to.deep.include.members([
      ["FORMAT_SCHEMA_UNREACHABLE", boot.formatId],
    ]);
  });

  it("DATASET_OWNER_NOT_OPERATOR: the owner loses the role, and stays orphaned when it gets it back", async () => {
    const operatorRole = await ledger.OPERATOR_ROLE();
    await send(ledger.connect(actors.admin).revokeRole(operatorRole, actors.operator.address));
    const lost = await check();
    expect(codes(lost)).to.deep.equal(["DATASET_OWNER_NOT_OPERATOR"]);
    expect(lost[0].ids).to.deep.equal({ datasetId: "1", owner: actors.operator.address });

    await send(ledger.connect(actors.admin).grantRole(operatorRole, actors.operator.address));
    const regained = await check();
    expect(codes(regained)).to.deep.equal(["DATASET_OWNER_NOT_OPERATOR"]);
    expect(regained[0].message).to.match(/orphaned/);
    // What the registry requires to fix it: an operator takes the dataset over.
    await send(access.connect(actors.operator).transferDataset(1n, actors.operator.address));
    expect(await check()).to.deep.equal([]);
  });

  it("GRANT_WITHOUT_USER_ROLE: the grantee loses USER_ROLE; granting the role back does not revive it", async () => {
    const userRole = await ledger.USER_ROLE();
    await send(asOperator().revokeRole(userRole, actors.user.address));
    const findings = await check();
    expect(codes(findings)).to.deep.equal(["GRANT_WITHOUT_USER_ROLE"]);
    expect(findings[0].ids).to.deep.equal({ datasetId: "1", user: actors.user.address });

    await send(asOperator().grantRole(userRole, actors.user.address));
    expect(codes(await check())).to.deep.equal(["GRANT_WITHOUT_USER_ROLE"]);
    const until = (await provider.getBlock("latest"))!.timestamp + 86_400;
    await send(access.connect(actors.operator).grantAccess(1n, actors.user.address, until));
    expect(await check()).to.deep.equal([]);
  });

  describe("with the service's database", () => {
    let db: Database;
    before(async () => {
      db = await openDatabase({});
      await migrate(db, serviceMigrations);
    });
    after(async () => db.close());
    afterEach(async () => db.query("delete from svc_sessions"));

    it("GRANT_EXPIRED_IN_SESSION: a grant expires under a session opened while it was live", async () => {
      const reader = account(5);
      await send(asOperator().grantRole(await ledger.USER_ROLE(), reader.address));
      const start = (await provider.getBlock("latest"))!.timestamp;
      await send(access.connect(actors.operator).grantAccess(1n, reader.address, start + 60));

      // The service's clock follows the chain's, so the test does not depend on the wall clock.
      let clock = start * 1000;
      const sessions = new SessionStore(
        db,
        { ...SIWE, chainId: Number((await provider.getNetwork()).chainId) },
        () => clock,
      );
      const { nonce } = await sessions.issueNonce();
      const message = createSiweMessage({
        address: reader.address as Hex,
        chainId: Number((await provider.getNetwork()).chainId),
        domain: SIWE.domain,
        uri: SIWE.uri,
        nonce,
        version: "1",
        issuedAt: new Date(clock),
      });
      const { token } = await sessions.signIn(message, (await reader.signMessage(message)) as Hex);
      const withService = { serviceDatabase: db, serviceNow: () => clock };
      expect(await check(withService)).to.deep.equal([]);

      await networkHelpers.time.increase(120);
      clock += 120_000;
      const findings = await check(withService);
      expect(codes(findings)).to.deep.equal(["GRANT_EXPIRED_IN_SESSION"]);
      expect(findings[0].ids).to.deep.equal({ datasetId: "1", user: reader.address });
      expect(findings[0].message).to.match(/1 session\(s\) of that user opened while it was live/);
      // An expired grant nobody has a session for, or with the service unknown, is no finding.
      expect(await check()).to.deep.equal([]);
      await sessions.signOut(`Bearer ${token}`);
      expect(await check(withService)).to.deep.equal([]);
    });

    it("refuses a database that is not the service's with SERVICE_DATABASE_UNREADABLE", async () => {
      const other = await openDatabase({});
      try {
        await expectCode(check({ serviceDatabase: other }), "SERVICE_DATABASE_UNREADABLE");
      } finally {
        await other.close();
      }
    });
  });

  it("GATEWAY_ROLE_MISSING: the configured gateway's role revoked", async () => {
    await send(asOperator().revokeRole(await ledger.GATEWAY_ROLE(), actors.gateway.address));
    const findings = await check();
    expect(codes(findings)).to.deep.equal(["GATEWAY_ROLE_MISSING"]);
    expect(findings[0].ids).to.deep.equal({ gateway: actors.gateway.address });
    // Another address configured as the gateway is as wrong.
    expect(codes(await check({ gateway: account(6).address }))).to.deep.equal([
      "GATEWAY_ROLE_MISSING",
    ]);
  });

  it("GATEWAY_BALANCE_LOW: the gateway drained below N data blocks' gas", async () => {
    await networkHelpers.setBalance(actors.gateway.address, 1_000_000n);
    const findings = await check();
    expect(codes(findings)).to.deep.equal(["GATEWAY_BALANCE_LOW"]);
    expect(findings[0].ids).to.deep.equal({ gateway: actors.gateway.address });
    expect(findings[0].message).to.match(
      /10 × \d+ gas \(estimated submitDataBlock\) × [\d.]+ gwei/,
    );
    // N is the operator's: no block to pay for, nothing to find.
    expect(await check({ gatewayBlocks: 0 })).to.deep.equal([]);
  });

  it("LEDGER_PAUSED: a supervisor paused the ledger", async () => {
    await send(ledger.connect(actors.supervisor).pause());
    const findings = await check();
    expect(codes(findings)).to.deep.equal(["LEDGER_PAUSED"]);
    expect(findings[0].ids).to.deep.equal({ ledger: boot.ledgerAddress });
  });

  it("SOURCE_KEY_BOUND_ELSEWHERE: a device key also holds a role here", async () => {
    const key = boot.devices[0].address;
    await send(asOperator().grantRole(await ledger.USER_ROLE(), key));
    const findings = await check();
    expect(codes(findings)).to.deep.equal(["SOURCE_KEY_BOUND_ELSEWHERE"]);
    expect(findings[0].ids).to.deep.equal({ sourceId: "1", key, role: "user" });
    // A revoked source's key signs nothing any more: no finding.
    await send(asOperator().revokeSource(1n, 0));
    expect(await check()).to.deep.equal([]);
  });

  it("SOURCE_KEY_BOUND_ELSEWHERE: a device key also bound to a source of another configured ledger", async () => {
    const other = await new DataLedger__factory(actors.admin).deploy(actors.admin.address, 0);
    await other.waitForDeployment();
    const otherAddress = (await other.getAddress()) as Hex;
    await send(other.grantRole(await other.OPERATOR_ROLE(), actors.operator.address));
    const device = boot.devices[1];
    const domain = ledgerDomain((await provider.getNetwork()).chainId, otherAddress);
    const proof = await signSourceKey({
      account: device,
      owner: actors.operator.address as Hex,
      domain,
    });
    await send(
      other
        .connect(actors.operator)
        .registerSource(
          device.address,
          actors.operator.address,
          `0x${"00".repeat(32)}`,
          "",
          [],
          proof,
        ),
    );
    expect(await check()).to.deep.equal([]);
    const findings = await check({ otherLedgers: [otherAddress] });
    expect(codes(findings)).to.deep.equal(["SOURCE_KEY_BOUND_ELSEWHERE"]);
    expect(findings[0].ids).to.deep.equal({
      sourceId: "2",
      key: device.address,
      ledger: otherAddress,
      otherSourceId: "1",
    });
  });

  it("reports several problems at once, one finding each, sorted by code", async () => {
    await send(ledger.connect(actors.supervisor).pause());
    await send(asOperator().deprecateFormat(fileFormatId));
    await send(asOperator().revokeRole(await ledger.GATEWAY_ROLE(), actors.gateway.address));
    const findings = await check();
    expect(codes(findings)).to.deep.equal([
      "LEDGER_PAUSED",
      "GATEWAY_ROLE_MISSING",
      "SOURCE_FORMAT_DEPRECATED",
    ]);
    // The same from a scan in ranges of 3 blocks (a node's getLogs cap), or from the deploy block.
    expect(await check({ logChunk: 3 })).to.deep.equal(findings);
    expect(await check({ fromBlock: boot.deployBlock })).to.deep.equal(findings);
  });
});
