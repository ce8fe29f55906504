import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  SigningKey,
  Wallet,
  keccak256,
  parseEther,
  toUtf8Bytes,
  type TypedDataDomain,
} from "ethers";

import type { DataLedger } from "../types/ethers-contracts/index.js";
import { signSourceKeyWithEthers } from "../offchain/chain/sourceKeyTyping.js";
import { eip712Domain } from "./eip712Domain.js";
import { gasUsed } from "./medianGas.js";
import { METADATA_HASH, RECORD_URI } from "./payload.js";
import { RecordSigner } from "./recordSigner.js";

/** Fixed source key: its signatures, hence the calldata of every run, are byte-identical. */
const SOURCE_KEY = keccak256(toUtf8Bytes("dataledger.bench.source"));

/** The ledger set up as in production: admin → operator → gateway, one format, one active source. */
export interface LedgerFixture {
  ledger: DataLedger;
  domain: TypedDataDomain;
  formatId: string;
  /** The source key, funded so that it can also submit its own records. */
  source: Wallet;
  recordSigner: RecordSigner;
  gateway: HardhatEthersSigner;
  /** Anyone relaying signed records; holds no role. */
  relayer: HardhatEthersSigner;
}

/**
 * Deploys DataLedger and walks it through the setup a deployment does before the first record.
 *
 * @example
 * const { ledger, source, formatId } = await deployLedger(ethers);
 */
export async function deployLedger(ethers: HardhatEthers): Promise<LedgerFixture> {
  const [admin, operator, gateway, relayer] = await ethers.getSigners();
  // A deployment's admin delay (ignition/modules/DataLedger.ts); no transfer happens here.
  const ledger = await ethers.deployContract("DataLedger", [admin.address, 2 * 86_400], admin);
  await gasUsed(ledger.grantRole(await ledger.OPERATOR_ROLE(), operator.address));

  const asOperator = ledger.connect(operator);
  await gasUsed(asOperator.grantRole(await ledger.GATEWAY_ROLE(), gateway.address));
  // A format id is the hash of its JSON Schema document.
  const formatId = keccak256(toUtf8Bytes("dataledger.bench.schema.air-quality.v1"));
  await gasUsed(asOperator.registerFormat(formatId, "air-quality", "1.0.0", RECORD_URI, 0));

  const source = new Wallet(SOURCE_KEY, ethers.provider);
  await gasUsed(admin.sendTransaction({ to: source.address, value: parseEther("100") }));
  const domain = await eip712Domain(ledger);
  if (domain.name !== "DataLedger" || domain.version !== "1") {
    throw new Error(`unexpected EIP-712 domain ${domain.name} v${domain.version}`);
  }
  await gasUsed(
    asOperator.registerSource(
      source.address,
      operator.address,
      METADATA_HASH,
      RECORD_URI,
      [formatId],
      await signSourceKeyWithEthers(source, domain, operator.address),
    ),
  );
  const recordSigner = new RecordSigner(new SigningKey(SOURCE_KEY), domain);
  return { ledger, domain, formatId, source, recordSigner, gateway, relayer };
}
