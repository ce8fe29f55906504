import type { Signer } from "ethers";
import type { Address, Hex, LocalAccount } from "viem";

import { signSourceKeyWithEthers } from "../../offchain/chain/sourceKeyTyping.js";
import { ledgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { signSourceKey } from "../../offchain/sdk/signSourceKey.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";
import { recordDomain } from "./signRecord.js";

/**
 * `key`'s proof of possession for being bound to a source of `owner` on `ledger` (the `keyProof`
 * of `registerSource` and `rotateSourceKey`), for ethers signers and viem accounts alike: viem
 * accounts sign with the SDK's `signSourceKey`, as devices do. `options.chainId` forges another
 * chain's proof.
 *
 * @example
 * await ledger.connect(operator).registerSource(key.address, owner.address, m, uri, [formatId],
 *   await keyProof(ledger, key, owner));
 * await ledger.connect(owner).rotateSourceKey(sourceId, next.address, await keyProof(ledger, next, owner));
 */
export async function keyProof(
  ledger: DataLedger,
  key: Signer | LocalAccount,
  owner: string | { address: string },
  options: { chainId?: bigint } = {},
): Promise<string> {
  const ownerAddress = typeof owner === "string" ? owner : owner.address;
  const domain = await recordDomain(ledger, options.chainId);
  if (isLocalAccount(key)) {
    return signSourceKey({
      account: key,
      owner: ownerAddress as Address,
      domain: ledgerDomain(domain.chainId as bigint, domain.verifyingContract as Address),
    }) satisfies Promise<Hex>;
  }
  return signSourceKeyWithEthers(key, domain, ownerAddress);
}

function isLocalAccount(key: Signer | LocalAccount): key is LocalAccount {
  return (key as LocalAccount).type === "local";
}
