import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { defineIndexerConfig } from "../../../offchain/monitoring/indexer/config.js";
import { Indexer, type SyncResult } from "../../../offchain/monitoring/indexer/Indexer.js";
import { logDerivedTables } from "../../../offchain/monitoring/indexer/schema.js";
import { createRecord } from "../../../offchain/sdk/createRecord.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import { signRecord } from "../../../offchain/sdk/signRecord.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { deployLedger, type LedgerFixture } from "../../fixtures/deployLedger.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { publishDataBlock } from "../../helpers/publishDataBlock.js";
import { startLocalNode, type LocalNode } from "../../helpers/startLocalNode.js";
import { keyProof } from "../../helpers/keyProof.js";

// The supervisor's index across a chain that rewinds below what it holds final: a node restarted
// from an older state (npm start's embedded Anvil after a SIGKILL), or a reorg deeper than
// `confirmations`. Whatever the chain did, the index after a sync must equal a fresh index of the
// chain as it is now.

const CONFIRMATIONS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const target of databaseTargets()) {
  describe(`offchain/monitoring: Indexer over a chain that rewinds below finality (Anvil, ${target.name})`, function () {
    this.timeout(120_000);
    let anvil: LocalNode;
    let connection: NetworkConnection;
    let fx: LedgerFixture;
    let blobs: DirectoryBlobStore;
    let db: Database;
    let indexer: Indexer;
    let genesis: string;
    let seq = 0;
    const device = privateKeyToAccount(generatePrivateKey());
    const provider = () => connection.ethers.provider;

    /** The ledger, its roles and one device source, as at the start of every chain here. */
    async function deploy() {
      fx = await deployLedger(connection as Parameters<typeof deployLedger>[0]);
      await (
        await fx.ledger
          .connect(fx.operator)
          .registerSource(
            device.address,
            fx.sourceOwner.address,
            keccak256(toBytes("device")),
            "ipfs://d",
            [fx.formatId],
            await keyProof(fx.ledger, device, fx.sourceOwner.address),
          )
      ).wait();
    }

    function newIndexer(database: Database) {
      return new Indexer({
        config: defineIndexerConfig({
          chainId: 31337,
          contracts: {
            ledger: { address: fx.ledger.target as string },
            access: { address: fx.access.target as string },
          },
          confirmations: CONFIRMATIONS,
          batchSize: 4,
          pollingIntervalMs: 20,
        }),
        db: database,
        provider: provider(),
        blobs,
      });
    }

    /**
     * Logs of every kind the index derives rows from: direct records, a data block, a revocation,
     * and the device's epoch moving on (a suspension and reactivation) before it signs the block.
     */
    async function activity(tag: string) {
      const { record } = createRecord({
        payload: { tag, n: seq++ },
        formatId: fx.formatId as Hex,
        sampledAt: 100 + seq,
      });
      await (await fx.ledger.connect(fx.sourceKey).submitRecord(record)).wait();
      const { record: revoked } = createRecord({
        payload: { tag, n: seq++, revoked: true },
        formatId: fx.formatId as Hex,
        sampledAt: 100 + seq,
      });
      await (await fx.ledger.connect(fx.sourceKey).submitRecord(revoked)).wait();
      await (
        await fx.ledger
          .connect(fx.sourceKey)
          .revokeRecord(recordId(fx.sourceKey.address as Hex, revoked), 3)
      ).wait();
      const deviceSourceId = await fx.ledger.sourceIdOf(device.address);
      await (await fx.ledger.connect(fx.operator).suspendSource(deviceSourceId, 0)).wait();
      await (await fx.ledger.connect(fx.operator).reactivateSource(deviceSourceId)).wait();
      const epoch = Number((await fx.ledger.getSource(deviceSourceId)).epoch);
      const domain = ledgerDomain(31337n, fx.ledger.target as Hex);
      const latest = await provider().getBlock("latest");
      const operations = [];
      for (let i = 0; i < 2; i++) {
        const made = createRecord({
          payload: { tag, n: seq++, leaf: i },
          formatId: fx.formatId as Hex,
          sampledAt: 200 + seq,
          uri: "blob:payload",
        });
        await blobs.put(toBytes(made.canonicalPayload));
        operations.push(
          await signRecord({
            account: device,
            domain,
            record: made.record,
            deadline: latest!.timestamp + 3600,
            epoch,
          }),
        );
      }
      await publishDataBlock({ ledger: fx.ledger, gateway: fx.gateway, blobs, operations });
      return [record.dataHash, revoked.dataHash, ...operations.map((op) => op.record.dataHash)];
    }

    async function dump(database: Database) {
      const out: Record<string, unknown[]> = {};
      for (const table of logDerivedTables) {
        const leaf = table === "idx_records" ? ", leaf_index" : "";
        out[table] = await database.query(
          `select * from ${table} order by block_number, log_index${leaf}`,
        );
      }
      return out;
    }

    /** The index equals one built from scratch over the chain as it is now. */
    async function expectEqualsFreshIndex() {
      const freshDb = await target.open();
      try {
        const fresh = newIndexer(freshDb);
        await fresh.migrate();
        await fresh.syncToHead();
        await indexer.syncToHead();
        expect(await indexer.indexedBlock()).to.equal(await fresh.indexedBlock());
        const [ours, theirs] = [await dump(db), await dump(freshDb)];
        for (const table of logDerivedTables) {
          expect(ours[table], table).to.deep.equal(theirs[table]);
        }
        expect(ours.idx_events.length).to.be.greaterThan(0);
      } finally {
        await freshDb.close();
      }
    }

    const indexed = async (dataHashes: string[]) =>
      (
        await db.query<{ data_hash: string }>(
          "select data_hash from idx_records where data_hash = any($1::text[])",
          [dataHashes],
        )
      ).map((r) => r.data_hash);

    before(async () => {
      anvil = await startLocalNode("anvil", { args: ["--accounts", "20"] });
      // Each block one second after its parent, also after an evm_revert: by default Anvil stamps
      // blocks with the wall clock plus the offset the reverted-away blocks had built up, so on a
      // fast run a block could be stamped before its parent's second and the source registry's
      // per-second checkpoints (which only move forward, as a real chain's time does) revert.
      await anvil.rpc("anvil_setBlockTimestampInterval", [1]);
      connection = await network.create({ network: "localhost", override: { url: anvil.url } });
      // Before anything is deployed: the last test rewinds to here, below every log.
      genesis = await anvil.rpc<string>("evm_snapshot");
      blobs = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "idx-rewind-blobs-")));
      await deploy();
      db = await target.open();
      indexer = newIndexer(db);
      await indexer.migrate();
    });

    after(async () => {
      await indexer?.stop();
      await db?.close();
      await connection?.close();
      await anvil?.stop();
    });

    it("rolls back to the newest block it can prove when another chain stands at the finality boundary", async () => {
      await activity("kept");
      await indexer.syncToHead();
      const snapshot = await anvil.rpc<string>("evm_snapshot");
      const forkBase = await provider().getBlockNumber();
      const orphans = await activity("orphan");
      await anvil.rpc("anvil_mine", ["0x8"]);
      const { head: oldHead, finalizedBlock: oldFinal } = await indexer.syncToHead();
      expect(oldFinal).to.be.greaterThan(forkBase + 4); // the orphans' blocks are final
      expect(await indexed(orphans)).to.have.length(orphans.length);

      await anvil.rpc("evm_revert", [snapshot]);
      const replacements = await activity("replacement");
      await anvil.rpc("anvil_mine", [
        `0x${(oldHead + 3 - (await provider().getBlockNumber())).toString(16)}`,
      ]);
      expect(await provider().getBlockNumber()).to.be.greaterThan(oldHead);

      const result: SyncResult = await indexer.sync();
      expect(result.deepReorg, JSON.stringify(result)).to.not.equal(undefined);
      expect(result.deepReorg!.boundaryBlock).to.be.greaterThan(forkBase);
      expect(result.deepReorg!.provenBlock).to.be.a("number");
      expect(result.deepReorg!.provenBlock!).to.be.at.most(forkBase);
      expect(result.reorgedFrom).to.equal(result.deepReorg!.provenBlock! + 1);
      await indexer.syncToHead();
      expect(await indexed(orphans)).to.have.length(0);
      expect(await indexed(replacements)).to.have.length(replacements.length);
      await expectEqualsFreshIndex();
      console.log(
        `      boundary ${result.deepReorg!.boundaryBlock} gone, proven ${result.deepReorg!.provenBlock}, fork base ${forkBase}, head ${oldHead} → ${result.head}`,
      );
    });

    it("attack: a head that came back lower than the checkpoint, below the boundary, is caught while polling", async () => {
      await activity("kept");
      await indexer.syncToHead();
      const snapshot = await anvil.rpc<string>("evm_snapshot");
      const forkBase = await provider().getBlockNumber();
      const orphans = await activity("orphan");
      await anvil.rpc("anvil_mine", ["0x10"]);
      const { head: oldHead } = await indexer.syncToHead();

      // Back, then on again with other logs, but short of the old checkpoint: heights the old
      // index holds final have no stored hash to compare block by block.
      await anvil.rpc("evm_revert", [snapshot]);
      const replacements = await activity("replacement");
      await anvil.rpc("anvil_mine", ["0x2"]);
      const newHead = await provider().getBlockNumber();
      expect(newHead).to.be.below(oldHead - CONFIRMATIONS);
      expect(newHead - CONFIRMATIONS).to.be.greaterThan(forkBase);

      const reported: unknown[] = [];
      indexer.start((error) => reported.push(error));
      const until = Date.now() + 20_000;
      while (!reported.some((e) => (e as { code?: string }).code === "INDEXER_DEEP_REORG")) {
        if (Date.now() > until) throw new Error(`no INDEXER_DEEP_REORG: ${String(reported)}`);
        await sleep(20);
      }
      await indexer.stop();
      const [error] = reported as { code: string; details: Record<string, unknown> }[];
      expect(reported).to.have.length(1);
      expect(error.details.head).to.equal(newHead);
      expect(error.details.provenBlock as number).to.be.at.most(forkBase);
      expect(await indexed(orphans)).to.have.length(0);
      expect(await indexed(replacements)).to.have.length(replacements.length);
      await expectEqualsFreshIndex();
      console.log(
        `      head ${oldHead} → ${newHead}, boundary ${String(error.details.boundaryBlock)}, proven ${String(error.details.provenBlock)}`,
      );
    });

    it("re-indexes from startBlock when no block it read is on the chain any more", async () => {
      const gone = await activity("gone");
      await anvil.rpc("anvil_mine", ["0x6"]);
      await indexer.syncToHead();
      expect(await indexed(gone)).to.have.length(gone.length);

      // Rewound below the deployment itself, then deployed again (same addresses, same nonces),
      // with other logs in other blocks: not one stored hash still matches.
      await anvil.rpc("evm_revert", [genesis]);
      await anvil.rpc("anvil_mine", ["0x3"]);
      await deploy();
      const replacements = await activity("replacement");
      const result = await indexer.sync();
      expect(result.deepReorg).to.deep.include({ provenBlock: null });
      expect(result.reorgedFrom).to.equal(indexer.startBlock);
      await indexer.syncToHead();
      expect(await indexed(replacements)).to.have.length(replacements.length);
      await expectEqualsFreshIndex();
    });
  });
}
