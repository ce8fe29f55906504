import {
  formatEther,
  formatUnits,
  getAddress,
  id,
  ZeroHash,
  type Log,
  type Provider,
} from "ethers";

import {
  formatIdOf,
  loadFormatDocument,
  type LoadFormatDocumentOptions,
} from "../representation/accept/loadFormatDocument.js";
import { listOpenSessions } from "../service/SessionStore.js";
import { BaseError } from "../shared/BaseError.js";
import type { Queryable } from "../storage/Database.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../types/ethers-contracts/index.js";

/**
 * The stable codes of the controlling FE's configuration check (Y.4561 8.4, "checking data
 * management configuration validation"). Scripts branch on these; messages may change.
 */
export const FINDING_CODES = [
  "LEDGER_PAUSED",
  "GATEWAY_ROLE_MISSING",
  "GATEWAY_BALANCE_LOW",
  "FORMAT_SCHEMA_UNREACHABLE",
  "FORMAT_SCHEMA_MISMATCH",
  "SOURCE_FORMAT_UNKNOWN",
  "SOURCE_FORMAT_DEPRECATED",
  "SOURCE_KEY_BOUND_ELSEWHERE",
  "DATASET_OWNER_NOT_OPERATOR",
  "GRANT_WITHOUT_USER_ROLE",
  "GRANT_EXPIRED_IN_SESSION",
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** One problem of the configuration: what it is, for people, and the ids it is about. */
export interface Finding {
  code: FindingCode;
  message: string;
  /** The ids involved (sourceId, formatId, datasetId, user, gateway, key, role, ledger…), as strings. */
  ids: Record<string, string>;
}

export interface CheckConfigurationOptions {
  provider: Provider;
  ledger: string;
  accessRegistry: string;
  /** First block of the log scan; default: the ledger's deployment block (found by bisection). */
  fromBlock?: number;
  /** Blocks per eth_getLogs request (nodes cap the range); default 10 000. */
  logChunk?: number;
  /** The gateway address the representation FE is configured with; unchecked when absent. */
  gateway?: string;
  /** How many data blocks the gateway's balance must pay for (default 10). */
  gatewayBlocks?: number;
  /** The service FE's database (its svc_sessions table); grant/session checks skipped when absent. */
  serviceDatabase?: Queryable;
  /** The service's clock, unix ms (default Date.now): which sessions are open. */
  serviceNow?: () => number;
  /** Where format documents are fetched from (baseDir of `file:` URIs, BlobStore of `blob:`). */
  formatDocuments?: LoadFormatDocumentOptions;
  /** Other DataLedgers (same chain) whose source keys must not be this ledger's. */
  otherLedgers?: string[];
}

/** Gas assumed for one submitDataBlock when it cannot be estimated (no role, paused, no funds). */
export const FALLBACK_DATA_BLOCK_GAS = 100_000n;

const SOURCE_REVOKED = 3n;
const ROLE_NAMES: Record<string, string> = {
  [ZeroHash]: "admin",
  [id("OPERATOR_ROLE")]: "operator",
  [id("SUPERVISOR_ROLE")]: "supervisor",
  [id("GATEWAY_ROLE")]: "gateway",
  [id("USER_ROLE")]: "user",
};
const SOURCE_ROLE = id("SOURCE_ROLE");
const OPERATOR_ROLE = id("OPERATOR_ROLE");
const GATEWAY_ROLE = id("GATEWAY_ROLE");

interface SourceState {
  signer: string;
  status: bigint;
  allowed: Set<string>;
}

/** What one pass over the suite's logs tells, in log order. */
interface Replay {
  /** Holders of each granted role (SOURCE_ROLE is derived, not replayed). */
  holders: Map<string, Set<string>>;
  /** Position of the last RoleRevoked of `${role}:${account}`. */
  lastRevoked: Map<string, number>;
  formats: Map<string, { uri: string; name: string; version: string; deprecated: boolean }>;
  sources: Map<bigint, SourceState>;
  datasets: Map<bigint, { owner: string; since: number }>;
  /** The latest unrevoked AccessGranted of each (dataset, user). */
  grants: Map<string, { datasetId: bigint; user: string; expiresAt: bigint }>;
}

/**
 * The configuration check of the controlling FE (Y.4561 8.4): reads the deployed suite (roles,
 * formats, sources, datasets and grants) and, when given, the running services' settings, and
 * returns one finding per problem, sorted by code. An empty array means the configuration holds.
 *
 * Everything is enumerated from one pass over the ledger's and the access registry's logs (the
 * contracts announce every change; see ILedgerRoles and ISourceRegistry on replaying roles), then
 * the few facts the events cannot settle are read from views at the latest block: `paused()`,
 * `grantExpiry` (a grant ends silently when its user loses USER_ROLE), the gateway's role and
 * balance. What each code means:
 * - LEDGER_PAUSED: every submission path is stopped.
 * - GATEWAY_ROLE_MISSING: the configured gateway cannot anchor data blocks.
 * - GATEWAY_BALANCE_LOW: its balance is below gas(submitDataBlock) × fee × N blocks (N =
 *   `gatewayBlocks`), the gas estimated from the gateway at the latest block, the fee the node's
 *   maxFeePerGas (else gasPrice).
 * - FORMAT_SCHEMA_UNREACHABLE / FORMAT_SCHEMA_MISMATCH: the format's document cannot be fetched by
 *   the gateway's loader, or its keccak256 is not the format id (the rule FormatSchemaCache
 *   applies before it trusts a schema): the gateway would refuse every record of the format.
 * - SOURCE_FORMAT_UNKNOWN / SOURCE_FORMAT_DEPRECATED: a source that is not revoked is allowed a
 *   format the registry does not know, or one it deprecated (its records would be refused). The
 *   registry itself refuses to allow unknown formats, so the first is a guard, not expected.
 * - SOURCE_KEY_BOUND_ELSEWHERE: the current key of a source that is not revoked also holds a
 *   granted role on this ledger (admin, operator, supervisor, gateway, user), or is bound to a
 *   source of another configured ledger. A source key is a device's: the registry already never
 *   binds a key twice on one ledger, but it cannot see that the same key signs as an operator (a
 *   stolen device would then configure the ledger), as the gateway (the anchoring party would
 *   vouch for its own data) or as a reader, nor that a device was enrolled in two deployments
 *   (its record ids, derived from the key, collide between them).
 * - DATASET_OWNER_NOT_OPERATOR: the dataset's owner lacks OPERATOR_ROLE, or lost it after
 *   becoming owner (the dataset is orphaned even if the role was granted back).
 * - GRANT_WITHOUT_USER_ROLE: an unexpired, unrevoked grant whose user lost USER_ROLE since: the
 *   registry voided it, though nothing revoked it.
 * - GRANT_EXPIRED_IN_SESSION: an expired grant whose user has a session open at the service,
 *   opened while the grant was live: the user signed in relying on it and is now refused.
 *
 * @example
 * const findings = await checkConfiguration({ provider, ledger, accessRegistry, gateway });
 * for (const f of findings) console.log(f.code, f.message, f.ids);
 */
export async function checkConfiguration(options: CheckConfigurationOptions): Promise<Finding[]> {
  const { provider } = options;
  const ledger = DataLedger__factory.connect(options.ledger, provider);
  const access = AccessRegistry__factory.connect(options.accessRegistry, provider);
  const latest = await provider.getBlock("latest");
  if (latest === null) throw new Error("the node returned no latest block");
  const blockTag = latest.number;
  const chainNow = BigInt(latest.timestamp);
  const fromBlock =
    options.fromBlock ?? (await deploymentBlock(provider, options.ledger, blockTag));
  const replay = replayLogs(
    await scanLogs(provider, [options.ledger, options.accessRegistry], fromBlock, blockTag, {
      chunk: options.logChunk ?? 10_000,
    }),
    options.ledger,
  );

  const findings: Finding[] = [];
  const checks: Promise<void>[] = [];
  const add = (finding: Finding) => void findings.push(finding);

  checks.push(
    ledger.paused({ blockTag }).then((paused) => {
      if (paused) {
        add({
          code: "LEDGER_PAUSED",
          message: "the ledger is paused: no source, relayer or gateway can submit (unpause)",
          ids: { ledger: getAddress(options.ledger) },
        });
      }
    }),
  );
  if (options.gateway !== undefined) {
    checks.push(checkGateway(options, getAddress(options.gateway), blockTag, add));
  }
  for (const [formatId, format] of replay.formats) {
    checks.push(checkFormatDocument(formatId, format.uri, options.formatDocuments ?? {}, add));
  }
  checkSources(replay, options, blockTag, add, checks);
  checkDatasets(replay, add);
  checks.push(checkGrants(replay, options, access, blockTag, chainNow, add));
  await Promise.all(checks);

  const order = (f: Finding) => FINDING_CODES.indexOf(f.code);
  return findings.sort(
    (a, b) => order(a) - order(b) || JSON.stringify(a.ids).localeCompare(JSON.stringify(b.ids)),
  );
}

/**
 * The block the ledger was deployed in, by bisection on eth_getCode, so the log scan starts
 * there; 0 when the node cannot answer for past blocks (a pruned node: pass `fromBlock`).
 */
async function deploymentBlock(provider: Provider, address: string, latest: number) {
  try {
    let low = 0;
    let high = latest;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((await provider.getCode(address, mid)) === "0x") low = mid + 1;
      else high = mid;
    }
    return low;
  } catch {
    return 0;
  }
}

/** Every log of `addresses` in [from, to], in chain order, fetched `chunk` blocks at a time. */
async function scanLogs(
  provider: Provider,
  addresses: string[],
  from: number,
  to: number,
  { chunk }: { chunk: number },
): Promise<Log[]> {
  const logs: Log[] = [];
  for (let start = from; start <= to; start += chunk) {
    const end = Math.min(to, start + chunk - 1);
    logs.push(...(await provider.getLogs({ address: addresses, fromBlock: start, toBlock: end })));
  }
  return logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}

function replayLogs(logs: Log[], ledgerAddress: string): Replay {
  const ledgerEvents = DataLedger__factory.createInterface();
  const accessEvents = AccessRegistry__factory.createInterface();
  const replay: Replay = {
    holders: new Map(),
    lastRevoked: new Map(),
    formats: new Map(),
    sources: new Map(),
    datasets: new Map(),
    grants: new Map(),
  };
  const holdersOf = (role: string) => {
    let set = replay.holders.get(role);
    if (set === undefined) replay.holders.set(role, (set = new Set()));
    return set;
  };
  const ledger = ledgerAddress.toLowerCase();
  logs.forEach((log, position) => {
    const fromLedger = log.address.toLowerCase() === ledger;
    const parsed = (fromLedger ? ledgerEvents : accessEvents).parseLog(log);
    if (parsed === null) return;
    const a = parsed.args;
    switch (parsed.name) {
      case "RoleGranted":
        if (a.role !== SOURCE_ROLE) holdersOf(a.role).add(getAddress(a.account));
        break;
      case "RoleRevoked":
        if (a.role !== SOURCE_ROLE) {
          holdersOf(a.role).delete(getAddress(a.account));
          replay.lastRevoked.set(`${a.role}:${getAddress(a.account)}`, position);
        }
        break;
      case "FormatRegistered":
        replay.formats.set(a.formatId, {
          uri: a.uri,
          name: a.name,
          version: a.version,
          deprecated: false,
        });
        break;
      case "FormatDeprecated": {
        const format = replay.formats.get(a.formatId);
        if (format) format.deprecated = true;
        break;
      }
      case "SourceRegistered":
        replay.sources.set(a.sourceId, {
          signer: getAddress(a.signer),
          status: 1n,
          allowed: new Set(),
        });
        break;
      case "SourceFormatSet": {
        const allowed = replay.sources.get(a.sourceId)?.allowed;
        if (a.allowed) allowed?.add(a.formatId);
        else allowed?.delete(a.formatId);
        break;
      }
      case "SourceStatusChanged": {
        const source = replay.sources.get(a.sourceId);
        if (source) source.status = BigInt(a.status);
        break;
      }
      case "SourceKeyRotated": {
        const source = replay.sources.get(a.sourceId);
        if (source) source.signer = getAddress(a.newSigner);
        break;
      }
      case "DatasetCreated":
        replay.datasets.set(a.datasetId, { owner: getAddress(a.owner), since: position });
        break;
      case "DatasetOwnerChanged":
        replay.datasets.set(a.datasetId, { owner: getAddress(a.newOwner), since: position });
        break;
      case "AccessGranted":
        replay.grants.set(`${a.datasetId}:${getAddress(a.user)}`, {
          datasetId: a.datasetId,
          user: getAddress(a.user),
          expiresAt: a.expiresAt,
        });
        break;
      case "AccessRevoked":
        replay.grants.delete(`${a.datasetId}:${getAddress(a.user)}`);
        break;
    }
  });
  return replay;
}

async function checkGateway(
  options: CheckConfigurationOptions,
  gateway: string,
  blockTag: number,
  add: (finding: Finding) => void,
) {
  const { provider } = options;
  const ledger = DataLedger__factory.connect(options.ledger, provider);
  const blocks = BigInt(options.gatewayBlocks ?? 10);
  const [hasRole, balance, fees, estimated] = await Promise.all([
    ledger.hasRole(GATEWAY_ROLE, gateway, { blockTag }),
    provider.getBalance(gateway, blockTag),
    provider.getFeeData(),
    // A data block like the gateway's next one: the gas does not depend on the root or count.
    ledger.submitDataBlock
      .estimateGas(id("config:check"), 1, 1, 1, `blob:${ZeroHash}`, { from: gateway })
      .catch(() => undefined),
  ]);
  if (!hasRole) {
    add({
      code: "GATEWAY_ROLE_MISSING",
      message: `the gateway ${gateway} does not hold GATEWAY_ROLE: it cannot anchor data blocks (roles:grant --role gateway)`,
      ids: { gateway },
    });
  }
  const fee = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
  const gas = estimated ?? FALLBACK_DATA_BLOCK_GAS;
  const needed = gas * fee * blocks;
  if (balance < needed) {
    add({
      code: "GATEWAY_BALANCE_LOW",
      message:
        `the gateway ${gateway} holds ${formatEther(balance)} ETH, less than its next ${blocks} data blocks cost: ` +
        `${blocks} × ${gas} gas (${estimated === undefined ? "assumed, the estimate failed" : "estimated submitDataBlock"}) × ${formatUnits(fee, "gwei")} gwei = ${formatEther(needed)} ETH`,
      ids: { gateway },
    });
  }
}

async function checkFormatDocument(
  formatId: string,
  uri: string,
  loadOptions: LoadFormatDocumentOptions,
  add: (finding: Finding) => void,
) {
  let bytes: Uint8Array;
  try {
    bytes = await loadFormatDocument(uri, loadOptions);
  } catch (error) {
    add({
      code: "FORMAT_SCHEMA_UNREACHABLE",
      message: `the schema document of format ${formatId} cannot be fetched from ${uri}: ${(error as Error).message}`,
      ids: { formatId, uri },
    });
    return;
  }
  const actual = formatIdOf(bytes);
  if (actual !== formatId.toLowerCase()) {
    add({
      code: "FORMAT_SCHEMA_MISMATCH",
      message: `the schema document at ${uri} hashes to ${actual}, not to its format id ${formatId}: the gateway refuses the format's records`,
      ids: { formatId, uri },
    });
  }
}

function checkSources(
  replay: Replay,
  options: CheckConfigurationOptions,
  blockTag: number,
  add: (finding: Finding) => void,
  checks: Promise<void>[],
) {
  const others = (options.otherLedgers ?? []).map((address) =>
    DataLedger__factory.connect(address, options.provider),
  );
  const roleOf = new Map<string, string[]>();
  for (const [role, holders] of replay.holders) {
    for (const holder of holders) {
      const name = ROLE_NAMES[role] ?? role;
      roleOf.set(holder, [...(roleOf.get(holder) ?? []), name]);
    }
  }
  for (const [sourceId, source] of replay.sources) {
    if (source.status === SOURCE_REVOKED) continue;
    for (const formatId of source.allowed) {
      const format = replay.formats.get(formatId);
      if (format === undefined) {
        add({
          code: "SOURCE_FORMAT_UNKNOWN",
          message: `source ${sourceId} is allowed format ${formatId}, which the registry does not know`,
          ids: { sourceId: String(sourceId), formatId },
        });
      } else if (format.deprecated) {
        add({
          code: "SOURCE_FORMAT_DEPRECATED",
          message: `source ${sourceId} is allowed format ${format.name} ${format.version}, which is deprecated: its records are refused (disallow it, allow its successor)`,
          ids: { sourceId: String(sourceId), formatId },
        });
      }
    }
    const key = source.signer;
    for (const role of (roleOf.get(key) ?? []).sort()) {
      add({
        code: "SOURCE_KEY_BOUND_ELSEWHERE",
        message: `the key ${key} of source ${sourceId} also holds the ${role} role: a device key must be nothing else`,
        ids: { sourceId: String(sourceId), key, role },
      });
    }
    for (const other of others) {
      checks.push(
        other.sourceIdOf(key, { blockTag }).then(async (otherId) => {
          if (otherId === 0n) return;
          const address = await other.getAddress();
          add({
            code: "SOURCE_KEY_BOUND_ELSEWHERE",
            message: `the key ${key} of source ${sourceId} is also bound to source ${otherId} of the ledger ${address}`,
            ids: {
              sourceId: String(sourceId),
              key,
              ledger: address,
              otherSourceId: String(otherId),
            },
          });
        }),
      );
    }
  }
}

function checkDatasets(replay: Replay, add: (finding: Finding) => void) {
  const operators = replay.holders.get(OPERATOR_ROLE) ?? new Set();
  for (const [datasetId, { owner, since }] of replay.datasets) {
    const holds = operators.has(owner);
    const lostSince = (replay.lastRevoked.get(`${OPERATOR_ROLE}:${owner}`) ?? -1) > since;
    if (holds && !lostSince) continue;
    add({
      code: "DATASET_OWNER_NOT_OPERATOR",
      message: holds
        ? `dataset ${datasetId}'s owner ${owner} lost OPERATOR_ROLE after becoming owner and holds it again: the dataset stays orphaned until an operator transfers it (transferDataset)`
        : `dataset ${datasetId}'s owner ${owner} no longer holds OPERATOR_ROLE: nobody manages it until an operator transfers it (transferDataset)`,
      ids: { datasetId: String(datasetId), owner },
    });
  }
}

async function checkGrants(
  replay: Replay,
  options: CheckConfigurationOptions,
  access: ReturnType<typeof AccessRegistry__factory.connect>,
  blockTag: number,
  chainNow: bigint,
  add: (finding: Finding) => void,
) {
  const sessions =
    options.serviceDatabase === undefined
      ? undefined
      : await openSessions(options.serviceDatabase, (options.serviceNow ?? Date.now)());
  await Promise.all(
    [...replay.grants.values()].map(async ({ datasetId, user, expiresAt }) => {
      const live = expiresAt >= chainNow;
      // Sessions opened while the grant was live, i.e. that may have been opened to use it.
      const relying = (sessions?.get(user) ?? []).filter((t) => t <= Number(expiresAt) * 1000);
      // Only these two cases need the registry's view; the others cannot be findings.
      if (!live && relying.length === 0) return;
      const current = await access.grantExpiry(datasetId, user, { blockTag });
      const ids = { datasetId: String(datasetId), user };
      if (live && current === 0n) {
        add({
          code: "GRANT_WITHOUT_USER_ROLE",
          message: `the grant of dataset ${datasetId} to ${user} (until ${isoSeconds(expiresAt)}) is void: the account lost USER_ROLE since it was granted`,
          ids,
        });
      } else if (!live && current === expiresAt) {
        add({
          code: "GRANT_EXPIRED_IN_SESSION",
          message: `the grant of dataset ${datasetId} to ${user} expired at ${isoSeconds(expiresAt)}, but ${relying.length} session(s) of that user opened while it was live are still open: extend the grant or tell the user`,
          ids,
        });
      }
    }),
  );
}

/**
 * When each open session of the service FE (offchain/service/schema.ts, svc_sessions) was opened,
 * unix ms, by user. Read-only: the check never changes the service's state.
 */
async function openSessions(db: Queryable, now: number): Promise<Map<string, number[]>> {
  let sessions: { address: string; createdAt: number }[];
  try {
    sessions = await listOpenSessions(db, now);
  } catch (cause) {
    throw new BaseError(
      "SERVICE_DATABASE_UNREADABLE",
      "the service database has no readable session table (svc_sessions): is it the service's?",
      { cause },
    );
  }
  const byUser = new Map<string, number[]>();
  for (const { address, createdAt } of sessions) {
    byUser.set(address, [...(byUser.get(address) ?? []), createdAt]);
  }
  return byUser;
}

function isoSeconds(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
