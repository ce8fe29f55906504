import { readFile } from "node:fs/promises";

import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { parseAddress, parseSignature } from "../../offchain/control/controlArguments.js";
import { ledgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { signSourceKey } from "../../offchain/sdk/signSourceKey.js";
import { BaseError } from "../../offchain/shared/BaseError.js";

/** The options a task binding a device key takes: a proof made by the device, or its key. */
export interface DeviceKeyArgs {
  device?: string;
  keyProof?: string;
  deviceKeyFile?: string;
  deviceKeyVar?: string;
}

/** Where the device's proof of possession comes from, validated before connecting. */
export type DeviceKeySource =
  | { kind: "proof"; device: string; keyProof: string }
  | { kind: "file"; file: string }
  | { kind: "var"; name: string };

/**
 * Validates --device with --key-proof (the proof the device made with the SDK's signSourceKey,
 * the way a real deployment works: the key never leaves the device), or --device-key-file /
 * --device-key-var (the device's private key, for the demo and tests, where this command signs
 * the proof on the device's behalf). Exactly one of the three ways.
 */
export function parseDeviceKeyArgs(args: DeviceKeyArgs): DeviceKeySource {
  const ways = [args.keyProof, args.deviceKeyFile, args.deviceKeyVar].filter(
    (v) => v !== undefined,
  ).length;
  if (ways !== 1) {
    throw new BaseError(
      ways === 0 ? "TASK_MISSING_OPTION" : "TASK_CONFLICTING_OPTIONS",
      "pass one of --key-proof (with --device), --device-key-file or --device-key-var",
    );
  }
  if (args.keyProof !== undefined) {
    if (args.device === undefined) {
      throw new BaseError("TASK_MISSING_OPTION", "--key-proof needs --device (the key's address)", {
        details: { option: "device" },
      });
    }
    return {
      kind: "proof",
      device: parseAddress("--device", args.device),
      keyProof: parseSignature("--key-proof", args.keyProof),
    };
  }
  if (args.deviceKeyFile !== undefined) return { kind: "file", file: args.deviceKeyFile };
  return { kind: "var", name: args.deviceKeyVar! };
}

/**
 * The device's address and its proof of possession for a source of `owner` on this ledger: the
 * given proof, or one signed now with the SDK's signSourceKey from the device's private key.
 */
export async function deviceKeyProof(
  source: DeviceKeySource,
  owner: string,
  chainId: bigint,
  ledger: string,
): Promise<{ device: string; keyProof: string }> {
  if (source.kind === "proof") return { device: source.device, keyProof: source.keyProof };
  const key = await readDeviceKey(source);
  const account = privateKeyToAccount(key);
  const keyProof = await signSourceKey({
    account,
    owner: owner as Address,
    domain: ledgerDomain(chainId, ledger as Address),
  });
  return { device: account.address, keyProof };
}

async function readDeviceKey(source: DeviceKeySource): Promise<Hex> {
  let raw: string | undefined;
  let where: string;
  if (source.kind === "file") {
    where = `--device-key-file ${source.file}`;
    raw = await readFile(source.file, "utf8").catch(() => undefined);
  } else {
    where = `--device-key-var ${(source as { name: string }).name}`;
    raw = process.env[(source as { name: string }).name];
  }
  if (raw === undefined) {
    throw new BaseError("DEVICE_KEY_NOT_FOUND", `${where}: nothing to read`);
  }
  const key = raw.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    // Never echo what may be a key.
    throw new BaseError("DEVICE_KEY_INVALID", `${where} does not hold a 32-byte hex private key`);
  }
  return key as Hex;
}
