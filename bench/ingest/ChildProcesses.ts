import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createServer } from "node:net";

/**
 * The benchmark's child processes (chain node, gateway): every one spawned through here is
 * stopped by `stopAll`, which the benchmark runs on success, failure and Ctrl-C alike. Each child
 * is ended by its own pid: SIGTERM, then SIGKILL when it does not exit in time.
 *
 * @example
 * const children = new ChildProcesses();
 * const node = children.spawn("chain", process.execPath, [hardhatBin, "node"]);
 * await children.stopAll();
 */
export class ChildProcesses {
  readonly #children = new Map<string, ChildProcess>();

  spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    this.#children.set(name, child);
    child.once("exit", () => this.#children.delete(name));
    return child;
  }

  /** SIGTERM, and SIGKILL after `graceMs` if the child is still there. */
  async stop(name: string, graceMs = 15_000): Promise<void> {
    const child = this.#children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Stops every child still running, the most recently started first. */
  async stopAll(graceMs?: number): Promise<void> {
    for (const name of [...this.#children.keys()].reverse()) await this.stop(name, graceMs);
  }

  /** Synchronous last resort for process 'exit' handlers, where nothing can be awaited. */
  killAllNow(): void {
    for (const child of this.#children.values()) child.kill("SIGKILL");
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
