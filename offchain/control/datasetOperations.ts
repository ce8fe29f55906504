import { ZeroAddress } from "ethers";

import { BaseError } from "../shared/BaseError.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../types/ethers-contracts/index.js";
import { UnknownIdError } from "./controlArguments.js";
import {
  checkedCall,
  eventOf,
  requireAccessRegistry,
  type ControlContext,
  type ControlPlan,
} from "./controlPlan.js";

/*
 * Datasets and read grants (Y.4561 6.2.5 privacy, 8.4 "configuring data management"): the access
 * registry's control operations. A dataset's owner (an operator) manages it; grants go to holders
 * of the ledger's user role, until an expiry (the grant's last second).
 */

const ACCESS = AccessRegistry__factory.createInterface();

/** createDataset, owned by the signer. Outcome: the new dataset's id. */
export async function planCreateDataset(
  ctx: ControlContext,
  p: { uri: string; sourceIds: bigint[]; formatIds: string[] },
): Promise<ControlPlan<{ datasetId: bigint }>> {
  const args = [p.uri, p.sourceIds, p.formatIds];
  return {
    operation: "datasets:create",
    call: await checkedCall(ctx, "AccessRegistry", ACCESS, "createDataset", args),
    outcome: (receipt) => ({
      datasetId: eventOf(receipt, ACCESS, "DatasetCreated", requireAccessRegistry(ctx)).args
        .datasetId as bigint,
    }),
  };
}

/** setDatasetSources: adds (`included`) or removes sources. */
export async function planSetDatasetSources(
  ctx: ControlContext,
  p: { datasetId: bigint; sourceIds: bigint[]; included: boolean },
): Promise<ControlPlan<{ datasetId: bigint }>> {
  const args = [p.datasetId, p.sourceIds, p.included];
  return {
    operation: p.included ? "datasets:add-sources" : "datasets:remove-sources",
    call: await checkedCall(ctx, "AccessRegistry", ACCESS, "setDatasetSources", args),
    outcome: () => ({ datasetId: p.datasetId }),
  };
}

/** setDatasetFormats: adds (`included`) or removes formats. */
export async function planSetDatasetFormats(
  ctx: ControlContext,
  p: { datasetId: bigint; formatIds: string[]; included: boolean },
): Promise<ControlPlan<{ datasetId: bigint }>> {
  const args = [p.datasetId, p.formatIds, p.included];
  return {
    operation: p.included ? "datasets:add-formats" : "datasets:remove-formats",
    call: await checkedCall(ctx, "AccessRegistry", ACCESS, "setDatasetFormats", args),
    outcome: () => ({ datasetId: p.datasetId }),
  };
}

/** transferDataset: hands the dataset to another operator. */
export async function planTransferDataset(
  ctx: ControlContext,
  p: { datasetId: bigint; newOwner: string },
): Promise<ControlPlan<{ datasetId: bigint; owner: string }>> {
  // The registry names the new owner in the same error as a signer without the role
  // (AccessRegistryUnauthorized); said here apart, so ROLE_REQUIRED always means the signer.
  const ledger = DataLedger__factory.connect(ctx.ledger, ctx.provider);
  if (!(await ledger.hasRole(await ledger.OPERATOR_ROLE(), p.newOwner))) {
    throw new BaseError(
      "ACCOUNT_NOT_OPERATOR",
      `${p.newOwner} is not an operator: a dataset is owned by operators only`,
      { details: { account: p.newOwner } },
    );
  }
  const args = [p.datasetId, p.newOwner];
  return {
    operation: "datasets:transfer",
    call: await checkedCall(ctx, "AccessRegistry", ACCESS, "transferDataset", args),
    outcome: () => ({ datasetId: p.datasetId, owner: p.newOwner }),
  };
}

/** grantAccess: `user` may read the dataset until `expiresAt`, inclusive. */
export async function planGrantAccess(
  ctx: ControlContext,
  p: { datasetId: bigint; user: string; expiresAt: bigint },
): Promise<ControlPlan<{ datasetId: bigint; user: string; expiresAt: bigint }>> {
  const args = [p.datasetId, p.user, p.expiresAt];
  return {
    operation: "access:grant",
    call: await checkedCall(ctx, "AccessRegistry", ACCESS, "grantAccess", args),
    outcome: () => ({ datasetId: p.datasetId, user: p.user, expiresAt: p.expiresAt }),
  };
}

/** revokeAccess: ends `user`'s live grant now. */
export async function planRevokeAccess(
  ctx: ControlContext,
  p: { datasetId: bigint; user: string },
): Promise<ControlPlan<{ datasetId: bigint; user: string }>> {
  const args = [p.datasetId, p.user];
  return {
    operation: "access:revoke",
    call: await checkedCall(ctx, "AccessRegistry", ACCESS, "revokeAccess", args),
    outcome: () => ({ datasetId: p.datasetId, user: p.user }),
  };
}

/** A dataset as `datasets:show` prints it; sources and formats replayed from its events. */
export interface DatasetView {
  datasetId: bigint;
  owner: string;
  uri: string;
  sourceIds: bigint[];
  formatIds: string[];
}

/** Reads a dataset; DATASET_UNKNOWN for an id never created. */
export async function readDataset(
  ctx: Omit<ControlContext, "from">,
  datasetId: bigint,
): Promise<DatasetView> {
  const access = AccessRegistry__factory.connect(requireAccessRegistry(ctx), ctx.provider);
  const [owner, uri] = await access.getDataset(datasetId);
  if (owner === ZeroAddress) throw new UnknownIdError("DATASET_UNKNOWN", "dataset", datasetId);
  const sources = new Set<bigint>();
  for (const log of await access.queryFilter(
    access.filters.DatasetSourceSet(datasetId),
    ctx.fromBlock ?? 0,
  )) {
    if (log.args.included) sources.add(log.args.sourceId);
    else sources.delete(log.args.sourceId);
  }
  const formats = new Set<string>();
  for (const log of await access.queryFilter(
    access.filters.DatasetFormatSet(datasetId),
    ctx.fromBlock ?? 0,
  )) {
    if (log.args.included) formats.add(log.args.formatId);
    else formats.delete(log.args.formatId);
  }
  return { datasetId, owner, uri, sourceIds: [...sources], formatIds: [...formats] };
}

/** One user's grant on a dataset, as `access:list` prints it. */
export interface GrantView {
  user: string;
  /** The grant's last second; 0 when it ended (revoked, or the user lost the user role). */
  expiresAt: bigint;
  live: boolean;
}

/**
 * The users ever granted access to a dataset (from AccessGranted events), each with the grant as
 * the registry answers it now.
 */
export async function listGrants(
  ctx: Omit<ControlContext, "from">,
  datasetId: bigint,
): Promise<GrantView[]> {
  const access = AccessRegistry__factory.connect(requireAccessRegistry(ctx), ctx.provider);
  const [owner] = await access.getDataset(datasetId);
  if (owner === ZeroAddress) throw new UnknownIdError("DATASET_UNKNOWN", "dataset", datasetId);
  const users = new Set<string>();
  for (const log of await access.queryFilter(
    access.filters.AccessGranted(datasetId),
    ctx.fromBlock ?? 0,
  )) {
    users.add(log.args.user);
  }
  return Promise.all(
    [...users].map(async (user) => ({
      user,
      expiresAt: await access.grantExpiry(datasetId, user),
      live: await access.hasAccess(datasetId, user),
    })),
  );
}
