import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { DataDirectory } from "../../../offchain/system/DataDirectory.js";
import { expectCode } from "../../helpers/expectCode.js";

/** The one folder `npm start` keeps its system in: what --fresh may delete, and who may use it. */
describe("offchain/system: DataDirectory", () => {
  const scratch = () => mkdtemp(path.join(tmpdir(), "dataledger-datadir-"));

  it("--fresh deletes a system's folder, and keeps the lock of the process doing it", async () => {
    const data = new DataDirectory(await scratch());
    await data.writeSystem({ version: 1 });
    await mkdir(data.path("gateway-db"));
    await data.wipe();
    expect(await data.readSystem()).to.equal(undefined);
    expect(existsSync(data.path("gateway-db"))).to.equal(false);
    expect(await readFile(data.path("dataledger.lock"), "utf8")).to.equal(String(process.pid));
    await data.unlock();
  });

  it("refuses to delete a folder that holds no DataLedger system", async () => {
    const dir = await scratch();
    await writeFile(path.join(dir, "thesis.tex"), "years of work");
    await expectCode(new DataDirectory(dir).wipe(), "DATA_DIR_NOT_DATALEDGER");
    expect(existsSync(path.join(dir, "thesis.tex"))).to.equal(true);
  });

  it("refuses to delete another system nested inside it (data/node in data/)", async () => {
    const outer = new DataDirectory(await scratch());
    await outer.writeSystem({ version: 1 });
    const inner = new DataDirectory(outer.path("node"));
    await inner.lock();
    await inner.writeSystem({ version: 1, nested: true });
    await expectCode(outer.wipe(), "DATA_DIR_NESTED");
    expect(await inner.readSystem()).to.deep.equal({ version: 1, nested: true });
    expect(await outer.readSystem()).to.deep.equal({ version: 1 });
    await inner.unlock();
  });

  it("is used by one process at a time; a dead process's lock is taken over", async () => {
    const dir = await scratch();
    const sleeper = spawn("sleep", ["30"]);
    await writeFile(path.join(dir, "dataledger.lock"), String(sleeper.pid));
    await expectCode(new DataDirectory(dir).lock(), "DATA_DIR_IN_USE");
    sleeper.kill("SIGKILL");
    await new Promise((r) => sleeper.once("exit", r));
    const data = new DataDirectory(dir);
    await data.lock();
    expect(await readFile(data.path("dataledger.lock"), "utf8")).to.equal(String(process.pid));
    await data.unlock();
    expect(existsSync(data.path("dataledger.lock"))).to.equal(false);
  });
});
