import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroAddress, type TypedDataDomain } from "ethers";

import type { EAS } from "../types/ethers-contracts/index.js";
import { eip712Domain } from "./eip712Domain.js";
import { gasUsed } from "./medianGas.js";

/** The EAS schema carrying what one of our records carries (minus the metadata hash). */
export const RECORD_SCHEMA = "bytes32 dataHash, bytes32 formatId, uint64 sampledAt, string uri";

/** EAS with our record schema registered (no resolver, revocable). */
export interface EasFixture {
  eas: EAS;
  schemaUid: string;
  domain: TypedDataDomain;
}

/**
 * Deploys EAS and its SchemaRegistry from the npm package, as their authors ship them.
 *
 * @example
 * const { eas, schemaUid } = await deployEas(ethers, deployer);
 */
export async function deployEas(
  ethers: HardhatEthers,
  deployer: HardhatEthersSigner,
): Promise<EasFixture> {
  const registry = await ethers.deployContract("SchemaRegistry", deployer);
  const eas = await ethers.deployContract("EAS", [await registry.getAddress()], deployer);
  const schemaUid = await registry.register.staticCall(RECORD_SCHEMA, ZeroAddress, true);
  await gasUsed(registry.register(RECORD_SCHEMA, ZeroAddress, true));
  return { eas, schemaUid, domain: await eip712Domain(eas) };
}
