import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import hre from "hardhat";
import { Wallet, type Provider } from "ethers";

import { listFormatIds, readFormat } from "../../../offchain/control/formatOperations.js";
import { listGrants, readDataset } from "../../../offchain/control/datasetOperations.js";
import { listRoleHolders } from "../../../offchain/control/ledgerOperations.js";
import { readSource } from "../../../offchain/control/sourceOperations.js";
import { bootstrapLedger } from "../../../offchain/system/bootstrapLedger.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../../types/ethers-contracts/index.js";
import { setUpDemo } from "../../../scripts/examples/demoSetup.js";
import { setUpControlTasks, type ControlTaskFixture } from "../../helpers/controlTaskFixture.js";

const DEVICES = 3;

/**
 * Everything an operator can observe on-chain of a configured suite, with what differs between
 * two honest set-ups taken out: device keys (fresh each time), and times (read relative to the
 * block that made them).
 */
async function suiteState(provider: Provider, ledgerAddress: string, accessAddress: string) {
  const ctx = { provider, ledger: ledgerAddress, accessRegistry: accessAddress };
  const ledger = DataLedger__factory.connect(ledgerAddress, provider);
  const access = AccessRegistry__factory.connect(accessAddress, provider);
  const roles = Object.fromEntries(
    await Promise.all(
      (["admin", "operator", "supervisor", "gateway", "user"] as const).map(async (role) => [
        role,
        await listRoleHolders(ctx, role),
      ]),
    ),
  );
  const formats = await Promise.all(
    (await listFormatIds(ctx)).map(async (id) => {
      const { registeredAt: _r, deprecatedAt: _d, ...format } = await readFormat(ctx, id);
      return format;
    }),
  );
  const sources = await Promise.all(
    Array.from({ length: Number(await ledger.sourceCount()) }, async (_, i) => {
      const { signer: _s, registeredAt: _r, ...source } = await readSource(ctx, BigInt(i + 1));
      return source;
    }),
  );
  const datasetCount = Number(await access.datasetCount());
  const datasets = await Promise.all(
    Array.from({ length: datasetCount }, (_, i) => readDataset(ctx, BigInt(i + 1))),
  );
  const granted = await access.queryFilter(access.filters.AccessGranted(), 0);
  const grants = await Promise.all(
    granted.map(async (log) => {
      const [grant] = (await listGrants(ctx, log.args.datasetId)).filter(
        (g) => g.user === log.args.user,
      );
      const { timestamp } = (await provider.getBlock(log.blockNumber))!;
      // bootstrapLedger and access:grant --expires 30d both count from the block before.
      return {
        ...grant,
        expiresAt: undefined,
        days: (Number(grant.expiresAt) - timestamp) / 86_400,
      };
    }),
  );
  return {
    adminDelay: await ledger.defaultAdminDelay(),
    paused: await ledger.paused(),
    roles,
    formats,
    sources,
    datasets,
    grants: grants.map((g) => ({ ...g, days: Math.round(g.days) })),
  };
}

/**
 * The committed example (scripts/examples/setupDemo.ts → setUpDemo) run through Hardhat's task
 * runner on a bare deployment, against bootstrapLedger, npm start's own set-up, on the same node:
 * the two suites must be indistinguishable on-chain, and the schema the gateway reads the same.
 */
describe("scripts/examples/setupDemo: npm start's set-up from the operator commands alone", function () {
  this.timeout(60_000);
  let fx: ControlTaskFixture;
  let dir: string;

  before(async () => {
    fx = await setUpControlTasks({ roles: false });
    dir = await mkdtemp(path.join(tmpdir(), "dataledger-demo-setup-"));
  });
  after(async () => {
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("leaves the chain as bootstrapLedger does", async () => {
    const ledger = await fx.ledger.getAddress();
    const accessRegistry = await fx.access.getAddress();
    const lines: string[] = [];
    const printed: string[] = [];
    const { log } = console;
    console.log = (...parts: unknown[]) => void printed.push(parts.join(" "));
    let setup: Awaited<ReturnType<typeof setUpDemo>>;
    try {
      setup = await setUpDemo(hre, {
        devices: DEVICES,
        keysDir: path.join(dir, "keys"),
        store: path.join(dir, "tasks-blobs"),
        user: fx.actors.user.address,
        connection: { rpcUrl: fx.node.url, ledger, accessRegistry },
        log: (line) => lines.push(line),
      });
    } finally {
      console.log = log;
    }
    expect(printed.filter((line) => /^registered source/.test(line))).to.have.length(DEVICES);
    expect(lines[0]).to.match(/^\$ npx hardhat roles:init /);
    expect(setup.sourceIds).to.deep.equal([1n, 2n, 3n]);

    const bootStore = new DirectoryBlobStore(path.join(dir, "boot-blobs"));
    const boot = await bootstrapLedger({
      actors: fx.actors,
      blobStore: bootStore,
      devices: DEVICES,
    });

    const byTasks = await suiteState(fx.provider, ledger, accessRegistry);
    const byBootstrap = await suiteState(fx.provider, boot.ledgerAddress, boot.accessAddress);
    expect(byTasks).to.deep.equal(byBootstrap);
    // Not vacuous: the state holds what the demo needs.
    expect(byTasks.sources).to.have.length(DEVICES);
    expect(byTasks.roles.user).to.deep.equal([fx.actors.user.address]);
    expect(byTasks.grants).to.deep.equal([
      { user: fx.actors.user.address, live: true, expiresAt: undefined, days: 30 },
    ]);

    // The gateway finds the same schema document under the same format id.
    expect(setup.formatId).to.equal(boot.formatId);
    const published = await new DirectoryBlobStore(path.join(dir, "tasks-blobs")).get(
      boot.formatId,
    );
    expect(published).to.deep.equal(await bootStore.get(boot.formatId));
    // Each device's key file holds the key its source authenticates.
    const keyLedger = DataLedger__factory.connect(ledger, fx.provider);
    for (const [i, file] of setup.deviceKeyFiles.entries()) {
      const device = new Wallet((await readFile(file, "utf8")).trim());
      expect(await keyLedger.sourceIdOf(device.address)).to.equal(BigInt(i + 1));
    }
  });
});
