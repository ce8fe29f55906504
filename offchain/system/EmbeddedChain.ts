import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { gunzipSync } from "node:zlib";

import { BaseError } from "../shared/BaseError.js";

/** Thrown when the embedded chain does not start (binary missing, bad state file, no port). */
export class EmbeddedChainError extends BaseError {
  constructor(message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super("EMBEDDED_CHAIN_FAILED", message, { details, cause });
  }
}

export interface EmbeddedChainOptions {
  /** Folder of the chain's files: `state.json` (the snapshot) and `anvil.pid`. */
  dir: string;
  /** Snapshot period while blocks are being made (default 1,000 ms). */
  snapshotIntervalMs?: number;
  /** Where Anvil's own log goes (default: discarded). */
  log?: (line: string) => void;
}

/**
 * The embedded default network of `npm start`: an Anvil node (npm `@foundry-rs/anvil`) on a
 * loopback port, whose state survives restarts. Hardhat's in-process network cannot persist its
 * state (NomicFoundation/edr#409), and a chain that starts empty under a gateway database that
 * remembers it is what made restarts fail for good.
 *
 * Persistence: every `snapshotIntervalMs`, when the head moved, the node's state (accounts,
 * storage, blocks, logs) is read with `anvil_dumpState` and written to `state.json` through a
 * temporary file, fsync and rename, so a kill at any moment leaves the previous snapshot or the
 * new one, never a torn file; `stop()` takes a last one. The state grows by about 7 kB a block,
 * so snapshots are spaced to take at most 5% of the time (20× the last one's duration). Anvil's own `--state-interval` writes
 * the file in place. After a SIGKILL the chain comes back from the last snapshot, at most one
 * interval behind: the gateway's submitter and the indexer treat that as a rewind and anchor
 * again what the chain lost.
 *
 * @example
 * const chain = await EmbeddedChain.start({ dir: "data/chain" });
 * console.log(chain.rpcUrl); // http://127.0.0.1:40123
 * await chain.snapshot(); // after a step that must not be lost
 * await chain.stop();
 */
export class EmbeddedChain {
  readonly rpcUrl: string;
  readonly #child: ChildProcess;
  readonly #statePath: string;
  readonly #pidPath: string;
  readonly #timer: NodeJS.Timeout;
  readonly #log: ((line: string) => void) | undefined;
  #lastHead: string | undefined;
  #snapshotting: Promise<void> = Promise.resolve();
  #lastSnapshotAt = 0;
  #lastSnapshotMs = 0;
  #stopped = false;

  private constructor(
    child: ChildProcess,
    rpcUrl: string,
    dir: string,
    options: EmbeddedChainOptions,
    restored: boolean,
  ) {
    this.#child = child;
    this.rpcUrl = rpcUrl;
    this.#statePath = path.join(dir, "state.json");
    this.#pidPath = path.join(dir, "anvil.pid");
    this.#log = options.log;
    // A restored chain's head is already on disk; a new one's genesis is worth a snapshot.
    this.#lastHead = restored ? undefined : "none";
    const intervalMs = options.snapshotIntervalMs ?? 1_000;
    this.#timer = setInterval(() => {
      // A large state costs its dump every time: snapshots keep to 5% of the time at most.
      if (Date.now() < this.#lastSnapshotAt + 20 * this.#lastSnapshotMs) return;
      void this.snapshot().catch(() => {});
    }, intervalMs);
    this.#timer.unref();
  }

  /** Whether `dir` holds a snapshot to restore. */
  static hasState(dir: string): boolean {
    return existsSync(path.join(dir, "state.json"));
  }

  /** Starts Anvil on a free loopback port, restoring `dir/state.json` when it exists. */
  static async start(options: EmbeddedChainOptions): Promise<EmbeddedChain> {
    const { dir } = options;
    await mkdir(dir, { recursive: true });
    await killStaleNode(path.join(dir, "anvil.pid"));
    const statePath = path.join(dir, "state.json");
    const restored = existsSync(statePath);
    if (restored) {
      // Once per start rather than per snapshot: the state grows by ~7 kB a block.
      const json = await readFile(statePath, "utf8");
      const canonical = canonicalState(json);
      if (canonical !== json) await writeAtomically(statePath, Buffer.from(canonical));
    }
    const args = ["--host", "127.0.0.1", "--port", "0", "--chain-id", "31337"];
    if (restored) args.push("--load-state", statePath);
    // Its own process group, so a terminal's Ctrl-C (sent to the whole foreground group) reaches
    // only the launcher, which takes a last snapshot and then stops the node; tied to the
    // launcher by a pipe on stdin, so the node also ends when the launcher is killed outright.
    const child = spawn("/bin/sh", ["-c", LIFELINE, "anvil-lifeline", anvilBinary(), ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const rpcUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Listening on (127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(`http://${match[1]}`);
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("error", (cause) =>
        reject(new EmbeddedChainError("Cannot start the embedded chain (anvil)", {}, cause)),
      );
      child.once("exit", (code) => {
        child.stdin!.destroy();
        reject(
          new EmbeddedChainError(
            `The embedded chain exited during start-up (code ${code})` +
              (restored
                ? `; its state file ${statePath} may be unreadable (--fresh starts over)`
                : ""),
            { code, output: out.slice(-2_000) },
          ),
        );
      });
    });
    // Anvil is chatty per transaction: keep its output out of the way once it listens.
    child.stdout!.removeAllListeners("data");
    child.stderr!.removeAllListeners("data");
    child.stdout!.on("data", (d: Buffer) => options.log?.(d.toString()));
    child.stderr!.on("data", (d: Buffer) => options.log?.(d.toString()));
    await writeFile(path.join(dir, "anvil.pid"), String(child.pid));
    return new EmbeddedChain(child, rpcUrl, dir, options, restored);
  }

  /**
   * Writes the node's state to `state.json` atomically, when the head moved since the last one.
   * Calls are serialised, so a periodic snapshot and an explicit one never interleave.
   */
  snapshot(): Promise<void> {
    const run = this.#snapshotting.then(() => this.#snapshotNow());
    this.#snapshotting = run.catch(() => {});
    return run;
  }

  async #snapshotNow(): Promise<void> {
    if (this.#stopped) return;
    const started = Date.now();
    try {
      await this.#dumpIfMoved();
    } finally {
      this.#lastSnapshotAt = Date.now();
      this.#lastSnapshotMs = this.#lastSnapshotAt - started;
    }
  }

  async #dumpIfMoved(): Promise<void> {
    const head = (await this.#rpc("eth_getBlockByNumber", ["latest", false])) as { hash: string };
    if (head.hash === this.#lastHead) return;
    const dump = (await this.#rpc("anvil_dumpState", [])) as string;
    // The RPC answers gzip-compressed JSON; --load-state reads the plain JSON.
    await writeAtomically(this.#statePath, gunzipSync(Buffer.from(dump.slice(2), "hex")));
    this.#lastHead = head.hash;
  }

  /** Takes a last snapshot and stops the node. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.snapshot().catch((error) =>
      this.#log?.(`[chain] the last snapshot failed: ${(error as Error).message}\n`),
    );
    this.#stopped = true;
    await new Promise<void>((resolve) => {
      if (this.#child.exitCode !== null) return resolve();
      this.#child.once("exit", () => resolve());
      this.#child.stdin!.end(); // the lifeline: the wrapper stops the node and exits
    });
    await rm(this.#pidPath, { force: true });
  }

  async #rpc(method: string, params: unknown[]): Promise<unknown> {
    const res = await fetch(this.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new EmbeddedChainError(`${method}: ${body.error.message}`);
    return body.result;
  }
}

interface DumpedBlock {
  header: { number: string; timestamp: string };
}

/**
 * Anvil makes a genesis block of its own at every start and keeps it beside the restored one, so
 * each restart adds a block 0 to the next dump, and which one a later load makes the chain's
 * block 0 is arbitrary: the genesis hash, part of the deployment's identity, changed between
 * restarts. The restored genesis is the oldest, so that one is kept; a height with more than one
 * block otherwise keeps the newest.
 */
function canonicalState(json: string): string {
  if ((json.match(/"number":"0x0"/g) ?? []).length <= 1) return json;
  // JSON.parse would round an integer beyond 2^53: leave such a file as Anvil wrote it.
  if (/(?<![\w."])\d{16,}(?![\w"])/.test(json)) return json;
  const state = JSON.parse(json) as { blocks?: DumpedBlock[] };
  if (!state.blocks) return json;
  const byNumber = new Map<string, DumpedBlock>();
  for (const block of state.blocks) {
    const { number, timestamp } = block.header;
    const kept = byNumber.get(number);
    if (!kept) {
      byNumber.set(number, block);
      continue;
    }
    const older = BigInt(timestamp) < BigInt(kept.header.timestamp);
    if (number === "0x0" ? older : !older) byNumber.set(number, block);
  }
  state.blocks = [...byNumber.values()];
  return JSON.stringify(state);
}

/**
 * Runs Anvil ("$@") until it exits, or until stdin closes (the launcher ended, however it ended),
 * then stops it. stdin is kept on fd 3 because sh gives background jobs /dev/null. POSIX sh, so
 * nothing beyond the binary itself is needed.
 */
const LIFELINE = `exec 3<&0
"$@" & node=$!
(cat <&3 >/dev/null; kill -TERM "$node" 2>/dev/null) &
wait "$node"`;

/** Writes through a temporary file, fsync and rename: a kill leaves the old file or the new. */
async function writeAtomically(target: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${target}.tmp`;
  const file = await open(tmp, "w");
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, target);
}

/** The Anvil binary of the npm package for this platform. */
function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = path.dirname(require.resolve("@foundry-rs/anvil/package.json"));
  // The package's bin is a Node wrapper that starts the platform binary as a child; calling the
  // wrapper would leave the real node running when the wrapper is killed.
  const platformPackage = `@foundry-rs/anvil-${process.platform === "win32" ? "win32" : process.platform}-${process.arch === "x64" ? "amd64" : process.arch}`;
  try {
    const dir = path.dirname(require.resolve(`${platformPackage}/package.json`, { paths: [pkg] }));
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      bin?: string | Record<string, string>;
    };
    const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.anvil;
    return path.join(dir, bin ?? "bin/anvil");
  } catch (cause) {
    throw new EmbeddedChainError(
      `No Anvil binary for ${process.platform}-${process.arch} (${platformPackage}); use --rpc-url`,
      { platformPackage },
      cause,
    );
  }
}

/** A node left running by a killed `npm start` still holds its state: end it first. */
async function killStaleNode(pidPath: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(await readFile(pidPath, "utf8"));
  } catch {
    return;
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  if (!cmdline.includes("anvil")) return;
  try {
    process.kill(-pid, "SIGKILL"); // the wrapper leads its group: the node goes with it
  } catch {
    return;
  }
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}
