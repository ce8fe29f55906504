/**
 * `npm start` for now: deploys the suite on Hardhat's in-process network with Ignition, grants the
 * initial roles from config/roles.hardhat.json, registers a format and a device, then anchors
 * readings all three ways (direct, relayed, data block) and checks them back on-chain.
 */
import { readFile } from "node:fs/promises";

import { network } from "hardhat";
import type { Address } from "viem";

import DataLedgerModule from "../ignition/modules/DataLedger.js";
import { applyInitialRoles, loadInitialRoles } from "../offchain/control/initialRoles.js";
import {
  ledgerDomain,
  mutableTypes,
  recordIdOf,
  toSdkOperation,
  type RecordInput,
  type SignedOperation,
} from "../offchain/chain/recordTyping.js";
import { signSourceKeyWithEthers } from "../offchain/chain/sourceKeyTyping.js";
import { buildDataBlockTree, hashPayload } from "../offchain/sdk/index.js";
import { DataBlockJudge__factory, DataLedger__factory } from "../types/ethers-contracts/index.js";

const BLOCK_SIZE = 64;

const connection = await network.create();
const { ethers, ignition } = connection;
const [admin, operator, , gateway] = await ethers.getSigners();

const { ledger: deployed } = await ignition.deploy(DataLedgerModule);
const ledgerAddress = await deployed.getAddress();
console.log(
  `DataLedger deployed at ${ledgerAddress} (chain ${(await ethers.provider.getNetwork()).chainId})`,
);

const roles = await applyInitialRoles(
  ledgerAddress,
  admin,
  await ethers.getSigners(),
  await loadInitialRoles("config/roles.hardhat.json"),
);
for (const r of roles) console.log(`  role ${r.role.padEnd(10)} -> ${r.account}`);

const asOperator = DataLedger__factory.connect(ledgerAddress, operator);
const schemaText = await readFile("config/formats/air-quality.schema.json", "utf8");
const formatId = ethers.keccak256(ethers.toUtf8Bytes(schemaText));
await (
  await asOperator.registerFormat(
    formatId,
    "air-quality",
    "1.0.0",
    "file:config/formats/air-quality.schema.json",
    0, // flags: none (FORMAT_UNIQUE_DATA_HASHES would allow one record per data hash)
  )
).wait();

const chainId = (await ethers.provider.getNetwork()).chainId;
const domain = ledgerDomain(chainId, ledgerAddress);

const device = ethers.Wallet.createRandom().connect(ethers.provider);
await (await admin.sendTransaction({ to: device.address, value: ethers.parseEther("1") })).wait();
// The device proves it holds its key, and accepts the operator as its owner, before it is bound.
await (
  await asOperator.registerSource(
    device.address,
    operator.address,
    ethers.ZeroHash,
    "urn:dev:air-1",
    [formatId],
    await signSourceKeyWithEthers(device, domain, operator.address),
  )
).wait();
console.log(
  `  source 1 = device ${device.address}, format air-quality@1.0.0 ${formatId.slice(0, 10)}…`,
);

const deadline = Math.floor(Date.now() / 1000) + 3600;
// The source's signing epoch (0 until its first status change or key rotation): the device
// signs in it, and a signature made in any other is void.
const epoch = (await asOperator.getSource(await asOperator.sourceIdOf(device.address))).epoch;

function reading(i: number): RecordInput {
  const sampledAt = 1_760_000_000 + i * 60;
  const payload = { deviceId: "air-1", pm25: 10 + (i % 7), pm10: 20 + (i % 5), sampledAt };
  return {
    dataHash: hashPayload(payload),
    formatId,
    metadataHash: ethers.ZeroHash,
    sampledAt,
    uri: "",
  };
}

async function sign(record: RecordInput): Promise<SignedOperation> {
  const signature = await device.signTypedData(domain, mutableTypes(), {
    ...record,
    deadline,
    epoch,
  });
  return { source: device.address, record, deadline, epoch, signature };
}

// 1. direct: the device pays for its own transaction.
const direct = await (
  await DataLedger__factory.connect(ledgerAddress, device).submitRecord(reading(0))
).wait();
// 2. relayed: the gateway carries the device's signature.
const relayedOp = await sign(reading(1));
const asGateway = DataLedger__factory.connect(ledgerAddress, gateway);
const relayed = await (
  await asGateway.submitRecordBySig(
    relayedOp.source,
    relayedOp.record,
    deadline,
    relayedOp.signature,
  )
).wait();
// 3. data block: many signed operations under one Merkle root, the gateway's own block.
const ops = await Promise.all(Array.from({ length: BLOCK_SIZE }, (_, i) => sign(reading(100 + i))));
const tree = buildDataBlockTree(gateway.address as Address, ops.map(toSdkOperation));
const times = ops.map((o) => Number(o.record.sampledAt));
const block = await (
  await asGateway.submitDataBlock(tree.root, ops.length, Math.min(...times), Math.max(...times), "")
).wait();

const judge = DataBlockJudge__factory.connect(await asGateway.dataBlockJudge(), gateway);
let included = 0;
for (const [i, op] of ops.entries()) {
  // The judge recomputes the leaf from the operation itself, with the block's gateway.
  if (await judge.verifyInclusion(tree.blockId, op, i, tree.proof(i))) included++;
}
// A record's id names its source key and sampling time as well as its data hash.
const anchoredDirect = await asGateway.getRecord(recordIdOf(device.address, reading(0)));
const anchoredRelayed = await asGateway.getRecord(recordIdOf(device.address, reading(1)));

console.log("\nsubmission   records  gas/record  verified on-chain");
console.log(
  `direct             1  ${String(direct!.gasUsed).padStart(10)}  ${anchoredDirect.status === 1n ? "yes" : "NO"} (source ${anchoredDirect.sourceId})`,
);
console.log(
  `relayed            1  ${String(relayed!.gasUsed).padStart(10)}  ${anchoredRelayed.status === 1n ? "yes" : "NO"} (source ${anchoredRelayed.sourceId})`,
);
console.log(
  `data block  ${String(ops.length).padStart(8)}  ${String(block!.gasUsed / BigInt(ops.length)).padStart(10)}  ${included}/${ops.length} inclusion proofs`,
);

await connection.close();
if (included !== ops.length || anchoredDirect.status !== 1n || anchoredRelayed.status !== 1n)
  process.exit(1);
