import { getAddress, isAddress } from "ethers";

import { BaseError } from "../../offchain/shared/BaseError.js";
import type { ConnectionArgs } from "./connectionOptions.js";

/** Who signs a task's transactions: an account index, a key from a configuration variable, or a default. */
export type SignerChoice =
  { kind: "index"; index: number } | { kind: "privateKeyVar"; name: string } | { kind: "default" };

/** The validated connection options of a task. */
export interface ConnectionChoice {
  signer: SignerChoice;
  rpcUrl?: string;
  ledger?: string;
}

/** Thrown for an option whose value cannot be used (bad index, URL, address, variable name). */
export class InvalidOptionError extends BaseError {
  constructor(option: string, reason: string, value: unknown) {
    super("TASK_INVALID_OPTION", `--${option} ${reason}`, { details: { option, value } });
  }
}

// Keystore keys and environment variables alike; the keystore refuses other names.
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates --signer, --private-key-var, --rpc-url and --ledger before anything touches the network.
 *
 * @example
 * parseConnectionArgs({ signer: "1", rpcUrl: "http://127.0.0.1:8545" });
 * // { signer: { kind: "index", index: 1 }, rpcUrl: "http://127.0.0.1:8545" }
 */
export function parseConnectionArgs(args: ConnectionArgs): ConnectionChoice {
  if (args.signer !== undefined && args.privateKeyVar !== undefined) {
    throw new BaseError(
      "TASK_CONFLICTING_OPTIONS",
      "--signer and --private-key-var both choose the signer; pass one of them",
    );
  }
  let signer: SignerChoice = { kind: "default" };
  if (args.signer !== undefined) {
    if (!/^\d+$/.test(args.signer)) {
      throw new InvalidOptionError("signer", "must be an account index (0, 1, …)", args.signer);
    }
    signer = { kind: "index", index: Number(args.signer) };
  }
  if (args.privateKeyVar !== undefined) {
    if (!VARIABLE_NAME.test(args.privateKeyVar)) {
      throw new InvalidOptionError(
        "private-key-var",
        "must name a configuration variable (letters, digits, _), not hold the key itself",
        // Never echo what may be a pasted key.
        undefined,
      );
    }
    signer = { kind: "privateKeyVar", name: args.privateKeyVar };
  }
  const choice: ConnectionChoice = { signer };
  if (args.rpcUrl !== undefined) choice.rpcUrl = parseRpcUrl(args.rpcUrl);
  if (args.ledger !== undefined) {
    if (!isAddress(args.ledger)) {
      throw new InvalidOptionError("ledger", "must be an address (0x…)", args.ledger);
    }
    choice.ledger = getAddress(args.ledger);
  }
  return choice;
}

function parseRpcUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError("rpc-url", "must be a URL (http://host:port)", value);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidOptionError("rpc-url", "must be an http:// or https:// URL", value);
  }
  return value;
}
