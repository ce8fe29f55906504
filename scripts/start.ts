/**
 * `npm start`: the whole system on one machine (offchain/system/runSystem.ts), on the embedded
 * chain by default or any EVM JSON-RPC node with --rpc-url. This launcher checks the command
 * line and the ports before it creates anything, compiles the contracts the modules bind to, and
 * only then loads the modules (they import the typechain bindings the build writes).
 */
import { createServer } from "node:net";

import { Command, InvalidArgumentError, Option } from "commander";

import { BaseError } from "../offchain/shared/BaseError.js";
import { buildContracts } from "./lib/buildContracts.js";

const EXIT_USAGE = 2;

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError("must be a non-negative integer");
  }
  return n;
}

function port(value: string): number {
  const n = nonNegativeInteger(value);
  if (n > 65_535) throw new InvalidArgumentError("must be a port number (0 picks a free one)");
  return n;
}

const program = new Command("npm start --")
  .description(
    "Runs DataLedger on one machine: chain, contracts, gateway (R2D), indexer, service (U2S) " +
      "and simulated devices, and verifies every anchored record against the chain. The system " +
      "lives in --data-dir and continues where it stopped when started again.",
  )
  .option(
    "--rpc-url <url>",
    "any EVM JSON-RPC node (default: the embedded chain, kept in <data-dir>/chain)",
  )
  .option("--data-dir <dir>", "folder of the system's state (chain, databases, blobs)", "data")
  .option("--fresh", "delete what --data-dir holds and set up a new system", false)
  .option("--host <host>", "interface the two APIs listen on", "127.0.0.1")
  .option("--gateway-port <port>", "port of the gateway's R2D API (0: any free port)", port, 8787)
  .option("--service-port <port>", "port of the service's U2S API (0: any free port)", port, 8788)
  .option("--devices <n>", "simulated devices of a new system", nonNegativeInteger, 4)
  .option("--interval-ms <ms>", "pause between a device's bulk requests", nonNegativeInteger, 1000)
  .option("--batch <n>", "readings per bulk request", nonNegativeInteger, 5)
  .addOption(
    new Option(
      "--duration <seconds>",
      "stop after this long; exit 1 unless every accepted record was anchored and verified",
    ).argParser(nonNegativeInteger),
  )
  .addHelpText(
    "after",
    "\nEnvironment: DATALEDGER_MNEMONIC (the actors' keys with --rpc-url; default: the development\n" +
      "mnemonic), DATABASE_URL (a PostgreSQL server instead of PGlite in --data-dir).",
  )
  .helpOption("-h, --help", "show this help")
  .showHelpAfterError("(npm start -- --help lists the options)")
  .configureOutput({ outputError: (text, write) => write(text) })
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  });

program.parse(process.argv.slice(2), { from: "user" });
const opts = program.opts<{
  rpcUrl?: string;
  dataDir: string;
  fresh: boolean;
  host: string;
  gatewayPort: number;
  servicePort: number;
  devices: number;
  intervalMs: number;
  batch: number;
  duration?: number;
}>();

function fail(error: unknown): never {
  if (error instanceof BaseError) {
    process.stderr.write(`error ${error.code}: ${error.shortMessage}\n`);
    const output = error.details.output;
    if (typeof output === "string" && output) process.stderr.write(`${output}\n`);
  } else {
    process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
}

// Ports first: a port in use must stop the command before it creates or starts anything.
for (const [flag, value] of [
  ["--gateway-port", opts.gatewayPort],
  ["--service-port", opts.servicePort],
] as const) {
  if (value === 0) continue;
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once("error", () => resolve(false))
      .listen(value, opts.host, () => probe.close(() => resolve(true)));
  });
  if (!free) {
    process.stderr.write(
      `error PORT_IN_USE: ${opts.host}:${value} is in use; choose another with ${flag} (0 picks a free one)\n`,
    );
    process.exit(EXIT_USAGE);
  }
}
if (opts.gatewayPort !== 0 && opts.gatewayPort === opts.servicePort) {
  process.stderr.write("error PORT_IN_USE: --gateway-port and --service-port must differ\n");
  process.exit(EXIT_USAGE);
}

const log = (line: string) => console.log(line);
try {
  await buildContracts({ root: process.cwd(), log });
} catch (error) {
  fail(error);
}

const { runSystem } = await import("../offchain/system/runSystem.js");
let system: Awaited<ReturnType<typeof runSystem>>;
try {
  system = await runSystem({
    rpcUrl: opts.rpcUrl,
    host: opts.host,
    gatewayPort: opts.gatewayPort,
    servicePort: opts.servicePort,
    devices: opts.devices,
    intervalMs: opts.intervalMs,
    batch: opts.batch,
    dataDir: opts.dataDir,
    fresh: opts.fresh,
    durationSec: opts.duration,
    mnemonic: process.env.DATALEDGER_MNEMONIC,
    log,
  });
} catch (error) {
  fail(error);
}
let firstSignalAt: number | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      system.stop(signal);
      return;
    }
    // A Ctrl-C reaches this process twice: from the terminal (the whole process group) and
    // relayed by tsx, later when the machine is busy. Only a second Ctrl-C of the operator's,
    // a moment after the first, skips the clean stop.
    if (Date.now() - firstSignalAt > 1_000) process.exit(130);
  });
}
process.exit(await system.done);
