import type { Signer } from "ethers";

import { RoleAdminRequiredError, roleId, type RoleName } from "../../offchain/control/roles.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";
import type { SignerChoice } from "./parseConnectionArgs.js";

/** The signer a task sends from, and why it was chosen (printed, so nobody signs by surprise). */
export interface ChosenSigner {
  signer: Signer;
  address: string;
  reason: string;
}

/** What the default signer must hold: the role that administers the one being changed. */
export interface SignerNeed {
  adminRole: RoleName;
  action: "grant" | "revoke";
  role: RoleName;
}

/**
 * Picks the signer among the connection's accounts. --signer and --private-key-var are taken as
 * given (grantRole checks them before sending); without either, the first account holding
 * `need.adminRole` signs, so `roles:revoke --role user` finds the operator on its own.
 *
 * @example
 * const { signer, reason } = await chooseSigner(ledger, await ethers.getSigners(), choice, {
 *   adminRole: "operator", action: "revoke", role: "user",
 * });
 */
export async function chooseSigner(
  ledger: DataLedger,
  signers: Signer[],
  choice: SignerChoice,
  need: SignerNeed,
): Promise<ChosenSigner> {
  if (choice.kind === "privateKeyVar") {
    const signer = signers[0];
    return { signer, address: await signer.getAddress(), reason: `key from ${choice.name}` };
  }
  if (choice.kind === "index") {
    const signer = signers[choice.index];
    if (signer === undefined) {
      throw new BaseError(
        "SIGNER_INDEX_OUT_OF_RANGE",
        signers.length === 0
          ? `--signer ${choice.index}: this network has no accounts; use --private-key-var`
          : `--signer ${choice.index}: this network has ${signers.length} accounts (0–${signers.length - 1})`,
        { details: { index: choice.index, accounts: signers.length } },
      );
    }
    return {
      signer,
      address: await signer.getAddress(),
      reason: `account ${choice.index}, --signer`,
    };
  }
  const adminId = await roleId(ledger, need.adminRole);
  const addresses = await Promise.all(signers.map((s) => s.getAddress()));
  const holds = await Promise.all(addresses.map((a) => ledger.hasRole(adminId, a)));
  const index = holds.indexOf(true);
  if (index < 0)
    throw new RoleAdminRequiredError(need.action, need.role, need.adminRole, undefined);
  return {
    signer: signers[index],
    address: addresses[index],
    reason: `account ${index}, the first that holds ${need.adminRole}`,
  };
}
