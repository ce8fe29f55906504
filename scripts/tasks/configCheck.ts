import { existsSync } from "node:fs";
import path from "node:path";

import { getAddress, isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { readSuiteAddresses } from "../../offchain/chain/deployment.js";
import { checkConfiguration, type Finding } from "../../offchain/control/checkConfiguration.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { DirectoryBlobStore } from "../../offchain/storage/BlobStore.js";
import type { Database } from "../../offchain/storage/Database.js";
import { openDatabase } from "../../offchain/storage/openDatabase.js";
import { DataDirectory } from "../../offchain/system/DataDirectory.js";
import { AccessRegistry__factory } from "../../types/ethers-contracts/index.js";
import { connectLedger } from "./connectLedger.js";
import { InvalidOptionError, parseConnectionArgs } from "./parseConnectionArgs.js";
import { runTask } from "./runTask.js";

/** The options of config:check (all strings, validated here, as the other tasks'). */
export interface ConfigCheckArgs {
  rpcUrl?: string;
  ledger?: string;
  accessRegistry?: string;
  gateway?: string;
  gatewayBlocks?: string;
  serviceDatabase?: string;
  formatBaseDir?: string;
  blobDir?: string;
  otherLedgers?: string;
  fromBlock?: string;
  json?: boolean;
}

/** What config:check reports: the findings, and whether there were none. */
export interface ConfigCheckReport {
  ok: boolean;
  findings: Finding[];
}

/** Thrown (after printing them) when the check found anything, so the command exits 1. */
export class ConfigCheckFailedError extends BaseError {
  constructor(findings: Finding[]) {
    super(
      "CONFIG_CHECK_FINDINGS",
      `${findings.length} configuration finding(s): ${[...new Set(findings.map((f) => f.code))].join(", ")}`,
      { details: { findings } },
    );
  }
}

const address = (option: string, value: string) => {
  if (!isAddress(value)) throw new InvalidOptionError(option, "must be an address (0x…)", value);
  return getAddress(value);
};

const count = (option: string, value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidOptionError(option, "must be a whole number", value);
  return Number(value);
};

/**
 * The action of config:check: validates every option before connecting, runs
 * checkConfiguration and prints one line per finding (`CODE  message  (id=value, …)`) or, with
 * --json, one JSON object `{ ok, findings }`. Any finding fails the command (exit 1) with one
 * `error CONFIG_CHECK_FINDINGS: …` line on stderr; none prints `ok …`.
 */
export async function configCheck(
  args: ConfigCheckArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<ConfigCheckReport> {
  const choice = parseConnectionArgs({ rpcUrl: args.rpcUrl, ledger: args.ledger });
  const given = {
    accessRegistry:
      args.accessRegistry === undefined
        ? undefined
        : address("access-registry", args.accessRegistry),
    gateway: args.gateway === undefined ? undefined : address("gateway", args.gateway),
    gatewayBlocks:
      args.gatewayBlocks === undefined ? undefined : count("gateway-blocks", args.gatewayBlocks),
    fromBlock: args.fromBlock === undefined ? undefined : count("from-block", args.fromBlock),
    otherLedgers: (args.otherLedgers ?? "")
      .split(",")
      .filter((part) => part.trim() !== "")
      .map((part) => address("other-ledgers", part.trim())),
  };
  if (args.blobDir !== undefined && !existsSync(args.blobDir)) {
    throw new InvalidOptionError("blob-dir", "names no directory", args.blobDir);
  }
  const database = args.serviceDatabase;
  if (database !== undefined && !/^postgres(ql)?:\/\//.test(database) && !existsSync(database)) {
    // PGlite would create an empty database there and find no sessions: say so instead.
    throw new InvalidOptionError(
      "service-database",
      "is neither a postgres:// URL nor an existing PGlite directory",
      database,
    );
  }

  const { connection, chainId, ledger } = await connectLedger(hre, choice);
  let db: Database | undefined;
  let dataDirectory: DataDirectory | undefined;
  try {
    const accessRegistry =
      given.accessRegistry ?? (await recordedAccessRegistry(chainId, hre.config.paths.root));
    const provider = connection.ethers.provider;
    const served = await AccessRegistry__factory.connect(accessRegistry, provider)
      .ledger()
      .catch(() => undefined);
    if (served === undefined || getAddress(served) !== ledger) {
      throw new BaseError(
        "ACCESS_REGISTRY_MISMATCH",
        `${accessRegistry} is not an AccessRegistry of the ledger ${ledger}; pass --access-registry`,
        { details: { accessRegistry, ledger } },
      );
    }
    if (database !== undefined) {
      if (/^postgres(ql)?:\/\//.test(database)) db = await openDatabase({ url: database });
      else {
        dataDirectory = await lockDataDirectoryOf(database);
        db = await openDatabase({ dataDir: database });
      }
    }
    const findings = await checkConfiguration({
      provider,
      ledger,
      accessRegistry,
      gateway: given.gateway,
      gatewayBlocks: given.gatewayBlocks,
      fromBlock: given.fromBlock,
      otherLedgers: given.otherLedgers,
      serviceDatabase: db,
      formatDocuments: {
        baseDir: args.formatBaseDir === undefined ? undefined : path.resolve(args.formatBaseDir),
        blobStore: args.blobDir === undefined ? undefined : new DirectoryBlobStore(args.blobDir),
      },
    });
    const report = { ok: findings.length === 0, findings };
    if (args.json === true) console.log(JSON.stringify(report));
    else if (report.ok) console.log(`ok: no configuration findings for ledger ${ledger}`);
    else for (const finding of findings) console.log(formatFinding(finding));
    if (!report.ok) {
      // With --json the report ({ ok: false, findings }) is the one document on stdout.
      throw Object.assign(new ConfigCheckFailedError(findings), {
        reportedAsJson: args.json === true,
      });
    }
    return report;
  } finally {
    await db?.close();
    await dataDirectory?.unlock();
    await connection.close();
  }
}

/** `CODE  message  (id=value, …)`: the code first, so `grep`/`cut` find it. */
export function formatFinding(finding: Finding): string {
  const ids = Object.entries(finding.ids)
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");
  return `${finding.code}  ${finding.message}  (${ids})`;
}

/**
 * A PGlite database is one process's: opened beside a running `npm start` both would corrupt it.
 * When the directory is inside a system's data directory (`data/service-db`), the check takes
 * that directory's lock the way `npm start` does, so it fails with DATA_DIR_IN_USE while the
 * system runs. A PGlite directory outside one is the operator's to keep unused.
 */
async function lockDataDirectoryOf(database: string): Promise<DataDirectory | undefined> {
  const parent = new DataDirectory(path.dirname(path.resolve(database)));
  if ((await parent.readSystem()) === undefined) return undefined;
  await parent.lock();
  return parent;
}

async function recordedAccessRegistry(chainId: bigint, root: string): Promise<string> {
  try {
    return (await readSuiteAddresses(chainId, root)).accessRegistry;
  } catch {
    throw new BaseError(
      "TASK_MISSING_OPTION",
      `--access-registry is required: no Ignition deployment is recorded for chain ${chainId}`,
      { details: { option: "access-registry" } },
    );
  }
}

export default runTask<ConfigCheckArgs>(async (args, hre) => {
  await configCheck(args, hre);
});
