import { expect } from "chai";
import { BrowserProvider, type Eip1193Provider, type Provider } from "ethers";
import { network } from "hardhat";

import { readDeploymentIdentity } from "../../../offchain/chain/readDeploymentIdentity.js";
import { createGateway } from "../../../offchain/representation/createGateway.js";
import { bindDeployment, readBinding } from "../../../offchain/storage/bindDeployment.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectCode } from "../../helpers/expectCode.js";
import {
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

/** A gateway over `fx`'s ledger and keys, on `database`, with loops off; `provider` overrides. */
function gatewayFor(
  fx: RepresentationFixture,
  database: Database,
  provider: Provider = fx.provider,
) {
  return createGateway({
    ledgerAddress: fx.ledgerAddress,
    provider,
    signer: fx.gatewaySigner,
    database,
    blobStore: fx.blobStore,
    startLoops: false,
  });
}

/**
 * Every database knows its deployment: the gateway's outbox (and the service's index) are bound
 * to the chain id, genesis hash and ledger address they were made for, and a start against any
 * other deployment is refused before anything is read or sent.
 */
describe("offchain/storage: bindDeployment", () => {
  const identity = {
    chainId: "31337",
    genesisHash: "0x" + "ab".repeat(32),
    ledgerAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  };

  for (const target of databaseTargets()) {
    describe(target.name, () => {
      it("records the first deployment and accepts it again, in any letter case", async () => {
        const db = await target.open();
        try {
          await bindDeployment(db, "representation", identity);
          await bindDeployment(db, "representation", {
            ...identity,
            genesisHash: identity.genesisHash.toUpperCase().replace("0X", "0x"),
            ledgerAddress: identity.ledgerAddress.toLowerCase(),
          });
          expect(await readBinding(db, "representation")).to.deep.equal(identity);
        } finally {
          await db.close();
        }
      });

      for (const [field, value] of [
        ["chainId", "1"],
        ["genesisHash", "0x" + "cd".repeat(32)],
        ["ledgerAddress", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"],
      ] as const) {
        it(`refuses another ${field} with DEPLOYMENT_MISMATCH and keeps the first binding`, async () => {
          const db = await target.open();
          try {
            await bindDeployment(db, "service", identity);
            const error = await expectCode(
              bindDeployment(db, "service", { ...identity, [field]: value }),
              "DEPLOYMENT_MISMATCH",
            );
            expect(error.details!.differs).to.deep.equal([field]);
            expect(await readBinding(db, "service")).to.deep.equal(identity);
          } finally {
            await db.close();
          }
        });
      }

      it("keeps one binding per module, so modules can share a database", async () => {
        const db = await target.open();
        try {
          await bindDeployment(db, "representation", identity);
          const other = {
            ...identity,
            ledgerAddress: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
          };
          await bindDeployment(db, "service", other);
          expect(await readBinding(db, "service")).to.deep.equal(other);
          expect(await readBinding(db, "representation")).to.deep.equal(identity);
        } finally {
          await db.close();
        }
      });
    });
  }

  describe("through createGateway", () => {
    it("refuses an outbox made for another ledger, leaving its records untouched", async () => {
      const connection = await network.create();
      const first = await setUpRepresentation(connection);
      const db = await databaseTargets()[0].open();
      const gatewayA = await gatewayFor(first, db);
      const res = await postJson(
        gatewayA.app,
        "/v1/records",
        await makeSubmission(first, { station: "s1", pm25: 3 }),
      );
      expect(res.status).to.equal(202);
      await gatewayA.close();
      const before = await db.query("select record_id, status from gateway_records order by seq");

      // A second deployment on the same chain: another ledger address.
      const second = await setUpRepresentation(connection);
      await expectCode(gatewayFor(second, db), "DEPLOYMENT_MISMATCH");
      expect(
        await db.query("select record_id, status from gateway_records order by seq"),
      ).to.deep.equal(before);
      expect(await readBinding(db, "representation")).to.deep.equal(
        await readDeploymentIdentity(first.provider, first.ledgerAddress),
      );
      await db.close();
    });

    it("refuses an outbox made on another chain (a restarted in-process network)", async () => {
      const first = await setUpRepresentation(await network.create());
      const db = await databaseTargets()[0].open();
      await (await gatewayFor(first, db)).close();
      // A network started again later has a genesis block of another time (its hash changes with
      // the start second), and the same deployer puts the ledger at the same address: exactly the
      // case the ledger address alone cannot tell apart.
      const again = await setUpRepresentation(
        await network.create({ override: { initialDate: "2030-01-01T00:00:00Z" } }),
      );
      expect(again.ledgerAddress).to.equal(first.ledgerAddress);
      const error = await expectCode(gatewayFor(again, db), "DEPLOYMENT_MISMATCH");
      expect(error.details!.differs).to.deep.equal(["genesisHash"]);
      await db.close();
    });

    it("reports on /ready when the node under a running gateway becomes another chain", async () => {
      const first = await setUpRepresentation(await network.create());
      const other = await network.create({ override: { initialDate: "2031-01-01T00:00:00Z" } });
      // One EIP-1193 provider whose node can be swapped, as a restarted or replaced node would be.
      let target = first.provider;
      const otherProvider = new BrowserProvider(other.provider as unknown as Eip1193Provider);
      const switchable = new BrowserProvider(
        {
          request: (args: { method: string; params?: unknown[] }) =>
            target.send(args.method, args.params ?? []),
        },
        undefined,
        { cacheTimeout: -1 },
      );
      const gateway = await gatewayFor(first, await databaseTargets()[0].open(), switchable);
      try {
        const ready = await readJson(await gateway.app.request("/ready"));
        expect(ready.status).to.equal("ready");
        expect(ready.checks.deployment).to.deep.equal({ ok: true });

        target = otherProvider;
        const res = await gateway.app.request("/ready");
        expect(res.status).to.equal(503);
        const body = await readJson(res);
        expect(body.checks.deployment.ok).to.equal(false);
        // The other chain has no ledger at that address at all.
        expect(body.checks.deployment.code).to.equal("LEDGER_NOT_DEPLOYED");

        // Same address on the other chain (its deployer's first contract): now it is a mismatch.
        await setUpRepresentation(other);
        const again = await readJson(await gateway.app.request("/ready"));
        expect(again.checks.deployment.code).to.equal("DEPLOYMENT_MISMATCH");
      } finally {
        await gateway.close();
      }
    });

    describe("a gateway started while its node is down", () => {
      // An EIP-1193 provider whose node is down until `up` is set, then answers from `node`.
      const flakyProvider = (state: { up: boolean; node: BrowserProvider }) =>
        new BrowserProvider(
          {
            request: async (args: { method: string; params?: unknown[] }) => {
              if (!state.up) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
              return state.node.send(args.method, args.params ?? []);
            },
          },
          31337,
          { cacheTimeout: -1, staticNetwork: true },
        );

      it("starts, asks devices to retry until it reached the chain, then binds and accepts", async () => {
        const fx = await setUpRepresentation(await network.create());
        const state = { up: false, node: fx.provider };
        const db = await databaseTargets()[0].open();
        const gateway = await createGateway({
          ledgerAddress: fx.ledgerAddress,
          provider: flakyProvider(state),
          signer: fx.gatewaySigner,
          database: db,
          blobStore: fx.blobStore,
          startLoops: false,
        });
        try {
          const body = await makeSubmission(fx, { station: "s1", pm25: 3 });
          const busy = await postJson(gateway.app, "/v1/records", body);
          expect(busy.status).to.equal(503);
          expect((await readJson(busy)).error.code).to.equal("GATEWAY_BUSY");
          expect(busy.headers.get("retry-after")).to.not.equal(null);
          expect(await db.query("select record_id from gateway_records")).to.deep.equal([]);
          expect(await readBinding(db, "representation")).to.equal(undefined);

          state.up = true;
          // The busy answer also asked the chain; the next request finds it bound.
          let res = await postJson(gateway.app, "/v1/records", body);
          for (let i = 0; i < 20 && res.status === 503; i++) {
            await new Promise((r) => setTimeout(r, 50));
            res = await postJson(gateway.app, "/v1/records", body);
          }
          expect(res.status).to.equal(202);
          expect(await readBinding(db, "representation")).to.deep.equal(
            await readDeploymentIdentity(fx.provider, fx.ledgerAddress),
          );
        } finally {
          await gateway.close();
          await db.close();
        }
      });

      it("never accepts or sends for a node that comes back as another deployment", async () => {
        const fx = await setUpRepresentation(await network.create());
        const db = await databaseTargets()[0].open();
        await (await gatewayFor(fx, db)).close();
        // Restarted later, empty, and set up again by the same deployer: same address, new genesis.
        const other = await setUpRepresentation(
          await network.create({ override: { initialDate: "2032-01-01T00:00:00Z" } }),
        );
        const state = { up: false, node: other.provider };
        const gateway = await createGateway({
          ledgerAddress: fx.ledgerAddress,
          provider: flakyProvider(state),
          signer: other.gatewaySigner,
          database: db,
          blobStore: other.blobStore,
          startLoops: false,
        });
        try {
          state.up = true;
          const body = await makeSubmission(other, { station: "s1", pm25: 3 });
          for (let i = 0; i < 5; i++) {
            const res = await postJson(gateway.app, "/v1/records", body);
            expect(res.status).to.equal(503);
            await new Promise((r) => setTimeout(r, 50));
          }
          const ready = await readJson(await gateway.app.request("/ready"));
          expect(ready.checks.deployment.code).to.equal("DEPLOYMENT_MISMATCH");
          await expectCode(
            gateway.submitter.tick().then(() => {}),
            "DEPLOYMENT_MISMATCH",
          ).catch(() => {});
          expect(await db.query("select record_id from gateway_records")).to.deep.equal([]);
          expect(await db.query("select tx_hash from gateway_txs")).to.deep.equal([]);
        } finally {
          await gateway.close();
          await db.close();
        }
      });
    });

    it("refuses a ledger address with no contract behind it", async () => {
      const fx = await setUpRepresentation(await network.create());
      const db = await databaseTargets()[0].open();
      await expectCode(
        createGateway({
          ledgerAddress: "0x000000000000000000000000000000000000dEaD",
          provider: fx.provider,
          signer: fx.gatewaySigner,
          database: db,
          blobStore: fx.blobStore,
          startLoops: false,
        }),
        "LEDGER_NOT_DEPLOYED",
      );
      // Refused before the gateway touched the database: not even its schema was created.
      expect(await db.query("select to_regclass('gateway_records') as t")).to.deep.equal([
        { t: null },
      ]);
      await db.close();
    });
  });
});
