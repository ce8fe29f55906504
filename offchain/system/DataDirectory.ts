import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import { BaseError } from "../shared/BaseError.js";

/** Where `controlToken()` keeps the gateway's C2R token, inside the data directory. */
export const CONTROL_TOKEN = "control-token";

/** Thrown when another running `npm start` holds the data directory. */
export class DataDirectoryInUseError extends BaseError {
  constructor(dir: string, pid: number) {
    super("DATA_DIR_IN_USE", `${dir} is in use by another DataLedger process (pid ${pid})`, {
      details: { dir, pid },
    });
  }
}

/** Thrown when --fresh would delete a folder that is not a DataLedger data directory. */
export class NotADataDirectoryError extends BaseError {
  constructor(dir: string) {
    super(
      "DATA_DIR_NOT_DATALEDGER",
      `${dir} is not empty and holds no DataLedger system; refusing to delete it (choose another --data-dir)`,
      { details: { dir } },
    );
  }
}

/** Thrown when --fresh would delete another system's data directory nested in this one. */
export class NestedDataDirectoryError extends BaseError {
  constructor(dir: string, nested: string) {
    super(
      "DATA_DIR_NESTED",
      `${dir} holds another DataLedger system in ${nested}; refusing to delete it with --fresh (move it out first)`,
      { details: { dir, nested } },
    );
  }
}

const MARKER = "dataledger.json";
const LOCK = "dataledger.lock";

/**
 * The one folder a composed system keeps its state in (`npm start`, default `data/`), laid out
 * by module so that a restart finds everything where it left it:
 *
 *     dataledger.json   what was deployed and configured (addresses, format, devices' keys)
 *     dataledger.lock   pid of the process using the folder
 *     chain/            the embedded chain's snapshot (EmbeddedChain)
 *     blobs/            payloads, schemas and data block documents (BlobStore)
 *     gateway-db/       the representation FE's outbox (PGlite)
 *     service-db/       the service's sessions and the supervisor's index (PGlite)
 */
export class DataDirectory {
  readonly dir: string;
  #locked = false;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Deletes everything in the folder, after checking it is one of ours (or empty). */
  async wipe(): Promise<void> {
    if (!existsSync(this.dir)) return;
    const entries = await readdir(this.dir);
    if (entries.length > 0 && !entries.includes(MARKER) && !entries.includes(LOCK)) {
      throw new NotADataDirectoryError(this.dir);
    }
    // Another system's folder inside this one (data/node beside data/'s own) is not ours to wipe.
    for (const entry of entries) {
      if (existsSync(this.path(entry, MARKER)) || existsSync(this.path(entry, LOCK))) {
        throw new NestedDataDirectoryError(this.dir, this.path(entry));
      }
    }
    await this.lock();
    for (const entry of entries) {
      if (entry !== LOCK) await rm(this.path(entry), { recursive: true, force: true });
    }
  }

  /**
   * Takes the folder for this process: two systems on one folder would corrupt each other's
   * PGlite databases. A lock whose process is gone (killed) is taken over.
   */
  async lock(): Promise<void> {
    if (this.#locked) return;
    await mkdir(this.dir, { recursive: true });
    const lockPath = this.path(LOCK);
    for (;;) {
      try {
        const file = await open(lockPath, "wx");
        await file.writeFile(String(process.pid));
        await file.close();
        this.#locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const pid = Number(await readFile(lockPath, "utf8").catch(() => "0"));
      if (pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirectoryInUseError(this.dir, pid);
      }
      await rm(lockPath, { force: true });
    }
  }

  async unlock(): Promise<void> {
    if (!this.#locked) return;
    this.#locked = false;
    await rm(this.path(LOCK), { force: true });
  }

  /** The saved system description, if a previous run finished setting one up. */
  async readSystem<T>(): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path(MARKER), "utf8")) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** Saves the system description atomically (temporary file, then rename); owner-only. */
  async writeSystem(system: unknown): Promise<void> {
    const tmp = this.path(`${MARKER}.tmp`);
    await writeFile(tmp, `${JSON.stringify(system, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.path(MARKER));
  }

  /**
   * The gateway's C2R control token (`control-token`, owner-only), made from a CSPRNG the first
   * time: the operator's tasks read it from this file to change quotas and live settings.
   */
  async controlToken(): Promise<string> {
    const file = this.path(CONTROL_TOKEN);
    try {
      return (await readFile(file, "utf8")).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const token = randomBytes(32).toString("hex");
    const tmp = `${file}.tmp`;
    await writeFile(tmp, `${token}\n`, { mode: 0o600 });
    await rename(tmp, file);
    return token;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
