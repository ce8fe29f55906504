import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { actorsFromMnemonic, bootstrapLedger } from "./offchain/server/bootstrapLedger.js";
import { DirectoryBlobStore } from "./offchain/storage/BlobStore.js";
import { ChildProcesses } from "./bench/ingest/ChildProcesses.js";
import { startHardhatNode } from "./bench/ingest/startHardhatNode.js";
const root = process.cwd();
const children = new ChildProcesses();
const chain = await startHardhatNode(children, root);
const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { cacheTimeout: -1 });
const actors = actorsFromMnemonic(provider);
const boot = await bootstrapLedger({ actors, blobStore: new DirectoryBlobStore(fs.mkdtempSync(path.join(os.tmpdir(), "x"))), devices: 1, schemaPath: path.join(root, "config/formats/air-quality.schema.json") });
const rpc = async (method: string, params: unknown[] = []) => { const r = await fetch(chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }); return ((await r.json()) as any).result; };
const cpu = () => { const f = fs.readFileSync(`/proc/${chain.pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
async function measure(label: string, n: number, fn: () => Promise<unknown>) { const c0 = cpu(), t0 = performance.now(); for (let i = 0; i < n; i++) await fn(); const c1 = cpu(), t1 = performance.now(); console.log(label, "cpu ms/call", ((c1 - c0) * 1000 / n).toFixed(2), "wall ms/call", ((t1 - t0) / n).toFixed(2)); }
const { DataLedger__factory } = await import("./types/ethers-contracts/index.js");
const ledger = DataLedger__factory.connect(boot.ledgerAddress, provider);
const sel = ledger.interface.getFunction("recordSourceIds").selector;
const rand = () => [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
for (const n of [1, 100, 500]) {
  const data = sel + (32).toString(16).padStart(64, "0") + n.toString(16).padStart(64, "0") + Array.from({ length: n }, rand).join("");
  const bn = await rpc("eth_blockNumber");
  await measure(`recordSourceIds ${n} latest`, 200, () => rpc("eth_call", [{ to: boot.ledgerAddress, data }, "latest"]));
  await measure(`recordSourceIds ${n} at number`, 200, () => rpc("eth_call", [{ to: boot.ledgerAddress, data }, bn]));
}
await measure("eth_blockNumber", 500, () => rpc("eth_blockNumber"));
await children.stopAll();
