import path from "node:path";
import { createInterface } from "node:readline";

import { epochMs } from "./clock.js";
import type { ChildProcesses } from "./ChildProcesses.js";

export interface GatewayProcess {
  url: string;
  pid: number;
  /** When this process saw each data block's "anchored" event, by block root (epoch ms). */
  anchoredAt: Map<string, number>;
  /** When this process saw each data block's (first) "submitted" event, by block root. */
  submittedAt: Map<string, number>;
  /** Error lines the gateway wrote to stderr, by code. */
  errors: Map<string, number>;
}

export interface StartGatewayOptions {
  root: string;
  rpcUrl: string;
  ledgerAddress: string;
  gatewayPrivateKey: string;
  dataDir: string;
  blobDir: string;
  maxBlockSize: number;
  maxWaitMs: number;
  /** Key-recovery threads; the gateway's default (cores − 1) when absent. */
  signatureWorkers?: number;
  /** Records waiting to be anchored before GATEWAY_BUSY; the gateway's default when absent. */
  maxBacklog?: number;
  /** PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

/**
 * Starts the representation gateway alone (`offchain/representation/main.ts` under tsx) on a free
 * port, and follows its JSON-line stdout: resolves at "listening", then records when every data
 * block is reported anchored.
 *
 * @example
 * const gateway = await startGateway(children, { root, rpcUrl, ledgerAddress, … });
 */
export async function startGateway(
  children: ChildProcesses,
  options: StartGatewayOptions,
): Promise<GatewayProcess> {
  const child = children.spawn(
    "gateway",
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      "--import",
      "tsx",
      path.join(options.root, "offchain", "representation", "main.ts"),
      "--rpc-url",
      options.rpcUrl,
      "--ledger",
      options.ledgerAddress,
      "--data-dir",
      options.dataDir,
      "--blob-dir",
      options.blobDir,
      "--port",
      "0",
      "--max-block-size",
      String(options.maxBlockSize),
      "--max-wait-ms",
      String(options.maxWaitMs),
      ...(options.maxBacklog === undefined ? [] : ["--max-backlog", String(options.maxBacklog)]),
      ...(options.signatureWorkers === undefined
        ? []
        : ["--signature-workers", String(options.signatureWorkers)]),
    ],
    {
      cwd: options.root,
      env: {
        ...process.env,
        GATEWAY_PRIVATE_KEY: options.gatewayPrivateKey,
        DATABASE_URL: options.databaseUrl ?? "",
      },
    },
  );
  const gateway: Omit<GatewayProcess, "url"> = {
    pid: child.pid!,
    anchoredAt: new Map(),
    submittedAt: new Map(),
    errors: new Map(),
  };
  let stderrTail = "";
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderrTail = `${stderrTail}${line}\n`.slice(-4_000);
    try {
      const { code } = JSON.parse(line) as { code?: string };
      const key = code ?? "UNKNOWN";
      gateway.errors.set(key, (gateway.errors.get(key) ?? 0) + 1);
    } catch {
      gateway.errors.set("NON_JSON", (gateway.errors.get("NON_JSON") ?? 0) + 1);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway not listening: ${stderrTail}`)),
      options.timeoutMs ?? 60_000,
    );
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${stderrTail}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let event: { event?: string; url?: string; kind?: string; id?: string };
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.event === "anchored" && event.kind === "block" && event.id) {
        gateway.anchoredAt.set(event.id.toLowerCase(), epochMs());
      } else if (event.event === "submitted" && event.kind === "block" && event.id) {
        const root = event.id.toLowerCase();
        if (!gateway.submittedAt.has(root)) gateway.submittedAt.set(root, epochMs());
      } else if (event.event === "listening" && event.url) {
        clearTimeout(timer);
        resolve({ ...gateway, url: event.url });
      }
    });
  });
}
