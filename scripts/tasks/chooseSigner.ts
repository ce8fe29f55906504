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
  const adminId = await roleId(ledger, need.adminRole);
  return chooseSignerBy(signers, choice, {
    holds: need.adminRole,
    accepts: (address) => ledger.hasRole(adminId, address),
    none: () => new RoleAdminRequiredError(need.action, need.role, need.adminRole, undefined),
  });
}

/** What the default signer of a control task must be, and the error when no account is. */
export interface SignerRule {
  /** Printed as "the first that holds <holds>", e.g. "operator" or "the dataset's ownership". */
  holds: string;
  accepts(address: string): Promise<boolean>;
  none(): Error;
}

/**
 * chooseSigner for any rule: --signer and --private-key-var as given (the operation's simulation
 * then refuses a signer without the right, with the suite's own error), else the first account
 * the rule accepts.
 */
export async function chooseSignerBy(
  signers: Signer[],
  choice: SignerChoice,
  rule: SignerRule,
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
  const addresses = await Promise.all(signers.map((s) => s.getAddress()));
  const accepted = await Promise.all(addresses.map((a) => rule.accepts(a)));
  const index = accepted.indexOf(true);
  if (index < 0) throw rule.none();
  return {
    signer: signers[index],
    address: addresses[index],
    reason: `account ${index}, the first that holds ${rule.holds}`,
  };
}
