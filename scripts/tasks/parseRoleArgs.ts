import { getAddress, isAddress } from "ethers";

import { parseRoleName, SourceRoleError, type RoleName } from "../../offchain/control/roles.js";
import { BaseError } from "../../offchain/shared/BaseError.js";

/** Thrown when a required option is left out (Hardhat 3 options cannot be required themselves). */
export class MissingOptionError extends BaseError {
  constructor(option: string) {
    super("TASK_MISSING_OPTION", `--${option} is required`, { details: { option } });
  }
}

/**
 * Validates the --role and --account options of roles:grant and roles:revoke. The source role is
 * refused here, before any connection, because the source registry manages it.
 *
 * @example
 * parseRoleArgs({ role: "user", account: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8" });
 * // { role: "user", account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }
 */
export function parseRoleArgs(args: { role?: string; account?: string }): {
  role: Exclude<RoleName, "source">;
  account: string;
} {
  if (args.role === undefined) throw new MissingOptionError("role");
  if (args.account === undefined) throw new MissingOptionError("account");
  const role = parseRoleName(args.role);
  if (role === "source") throw new SourceRoleError();
  if (!isAddress(args.account)) {
    throw new BaseError("TASK_INVALID_ACCOUNT", "--account must be an address (0x…)", {
      details: { account: args.account },
    });
  }
  return { role, account: getAddress(args.account) };
}
