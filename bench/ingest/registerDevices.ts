import type { Signer } from "ethers";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { ledgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { signSourceKey } from "../../offchain/sdk/signSourceKey.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";

/**
 * Registers `count` fresh device keys as active sources allowed to submit `formatId`, the way
 * `bootstrapLedger` registers its own devices, and returns their private keys: worker threads
 * need the keys themselves, which a viem account does not expose.
 *
 * @example
 * const keys = await registerDevices(actors.operator, ledgerAddress, formatId, 8);
 */
export async function registerDevices(
  operator: Signer,
  ledgerAddress: Hex,
  formatId: Hex,
  count: number,
): Promise<Hex[]> {
  const ledger = DataLedger__factory.connect(ledgerAddress, operator);
  const operatorAddress = await operator.getAddress();
  const domain = ledgerDomain((await operator.provider!.getNetwork()).chainId, ledgerAddress);
  const keys: Hex[] = [];
  for (let i = 0; i < count; i++) {
    const key = generatePrivateKey();
    const device = privateKeyToAccount(key);
    await (
      await ledger.registerSource(
        device.address,
        operatorAddress,
        `0x${"00".repeat(32)}`,
        `urn:dev:bench-${i + 1}`,
        [formatId],
        await signSourceKey({ account: device, owner: operatorAddress as Hex, domain }),
      )
    ).wait();
    keys.push(key);
  }
  return keys;
}
