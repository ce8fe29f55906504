import { ZeroHash } from "ethers";

import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { UnknownIdError } from "./controlArguments.js";
import { checkedCall, eventOf, type ControlContext, type ControlPlan } from "./controlPlan.js";

/*
 * The source registry's control operations (Y.4561 8.1 "identify, bind and authenticate data
 * sources"; 8.4 "configuring data sources"), each a checked plan the CLI or the O2C API sends.
 */

const LEDGER = DataLedger__factory.createInterface();
const STATUS = ["none", "active", "suspended", "revoked"] as const;

export interface RegisterSourceParams {
  /** The device's signing key (its address). */
  signer: string;
  owner: string;
  metadataHash?: string;
  metadataURI: string;
  formatIds: string[];
  /** The device's EIP-712 proof of possession for `owner` (`signSourceKey`). */
  keyProof: string;
}

/** registerSource: binds a device key to a new source. Outcome: the new source's id. */
export async function planRegisterSource(
  ctx: ControlContext,
  p: RegisterSourceParams,
): Promise<ControlPlan<{ sourceId: bigint }>> {
  const args = [
    p.signer,
    p.owner,
    p.metadataHash ?? ZeroHash,
    p.metadataURI,
    p.formatIds,
    p.keyProof,
  ];
  return {
    operation: "sources:register",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "registerSource", args),
    outcome: (receipt) => ({
      sourceId: eventOf(receipt, LEDGER, "SourceRegistered", ctx.ledger).args.sourceId as bigint,
    }),
  };
}

/** suspendSource: the source's key stops submitting until reactivated. */
export async function planSuspendSource(
  ctx: ControlContext,
  p: { sourceId: bigint; reasonCode: bigint },
): Promise<ControlPlan<{ sourceId: bigint }>> {
  const args = [p.sourceId, p.reasonCode];
  return {
    operation: "sources:suspend",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "suspendSource", args),
    outcome: () => ({ sourceId: p.sourceId }),
  };
}

/** reactivateSource: a suspended source submits again. */
export async function planReactivateSource(
  ctx: ControlContext,
  p: { sourceId: bigint },
): Promise<ControlPlan<{ sourceId: bigint }>> {
  return {
    operation: "sources:reactivate",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "reactivateSource", [p.sourceId]),
    outcome: () => ({ sourceId: p.sourceId }),
  };
}

/** revokeSource: final; the key never submits again. */
export async function planRevokeSource(
  ctx: ControlContext,
  p: { sourceId: bigint; reasonCode: bigint },
): Promise<ControlPlan<{ sourceId: bigint }>> {
  const args = [p.sourceId, p.reasonCode];
  return {
    operation: "sources:revoke",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "revokeSource", args),
    outcome: () => ({ sourceId: p.sourceId }),
  };
}

/** rotateSourceKey: binds a new device key (with its proof for the source's owner). */
export async function planRotateSourceKey(
  ctx: ControlContext,
  p: { sourceId: bigint; newSigner: string; keyProof: string },
): Promise<ControlPlan<{ sourceId: bigint; signer: string }>> {
  const args = [p.sourceId, p.newSigner, p.keyProof];
  return {
    operation: "sources:rotate-key",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "rotateSourceKey", args),
    outcome: () => ({ sourceId: p.sourceId, signer: p.newSigner }),
  };
}

/** setSourceFormats: allows or disallows formats for a source. */
export async function planSetSourceFormats(
  ctx: ControlContext,
  p: { sourceId: bigint; formatIds: string[]; allowed: boolean },
): Promise<ControlPlan<{ sourceId: bigint }>> {
  const args = [p.sourceId, p.formatIds, p.allowed];
  return {
    operation: p.allowed ? "sources:allow-formats" : "sources:disallow-formats",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "setSourceFormats", args),
    outcome: () => ({ sourceId: p.sourceId }),
  };
}

/** A source as `sources:show` prints it. */
export interface SourceView {
  sourceId: bigint;
  signer: string;
  owner: string;
  status: (typeof STATUS)[number];
  registeredAt: bigint;
  epoch: bigint;
  metadataHash: string;
  metadataURI: string;
  /** Formats currently allowed, replayed from SourceFormatSet events in log order. */
  allowedFormats: string[];
}

/** Reads a source, with its allowed formats; SOURCE_UNKNOWN for an id never registered. */
export async function readSource(
  ctx: Omit<ControlContext, "from">,
  sourceId: bigint,
): Promise<SourceView> {
  const ledger = DataLedger__factory.connect(ctx.ledger, ctx.provider);
  const s = await ledger.getSource(sourceId);
  if (Number(s.status) === 0) throw new UnknownIdError("SOURCE_UNKNOWN", "source", sourceId);
  const logs = await ledger.queryFilter(
    ledger.filters.SourceFormatSet(sourceId),
    ctx.fromBlock ?? 0,
  );
  const allowed = new Set<string>();
  for (const log of logs) {
    if (log.args.allowed) allowed.add(log.args.formatId);
    else allowed.delete(log.args.formatId);
  }
  return {
    sourceId,
    signer: s.signer,
    owner: s.owner,
    status: STATUS[Number(s.status)],
    registeredAt: s.registeredAt,
    epoch: s.epoch,
    metadataHash: s.metadataHash,
    metadataURI: s.metadataURI,
    allowedFormats: [...allowed],
  };
}
