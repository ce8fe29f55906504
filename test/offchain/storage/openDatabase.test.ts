import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { migrate } from "../../../offchain/storage/migrate.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { expectCode } from "../../helpers/expectCode.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";

const MIGRATIONS = [
  {
    id: "t-001",
    sql: "create table items (id text primary key, n integer not null); create index items_n on items (n)",
  },
  { id: "t-002", sql: "alter table items add column note text" },
];

for (const target of databaseTargets()) {
  describe(`offchain/storage on ${target.name}`, () => {
    it("applies migrations once and in order", async () => {
      const db = await target.open();
      try {
        expect(await migrate(db, MIGRATIONS)).to.deep.equal(["t-001", "t-002"]);
        expect(await migrate(db, MIGRATIONS)).to.deep.equal([]);
        await db.query("insert into items (id, n, note) values ($1, $2, $3)", ["a", 1, "x"]);
        expect(await db.query("select id, n, note from items")).to.deep.equal([
          { id: "a", n: 1, note: "x" },
        ]);
      } finally {
        await db.close();
      }
    });

    it("rolls a failed transaction back entirely", async () => {
      const db = await target.open();
      try {
        await migrate(db, MIGRATIONS);
        let failed = false;
        try {
          await db.transaction(async (tx) => {
            await tx.query("insert into items (id, n) values ('b', 2)");
            await tx.query("insert into items (id, n) values ('b', 3)"); // duplicate key
          });
        } catch {
          failed = true;
        }
        expect(failed).to.equal(true);
        expect(await db.query("select id from items where id = 'b'")).to.deep.equal([]);
      } finally {
        await db.close();
      }
    });
  });
}

describe("offchain/storage: PGlite persistence and errors", () => {
  it("keeps committed rows across a reopen of the same data directory", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "pglite-"));
    const first = await openDatabase({ url: "", dataDir });
    await migrate(first, MIGRATIONS);
    await first.query("insert into items (id, n) values ('kept', 7)");
    await first.close();
    const second = await openDatabase({ url: "", dataDir });
    expect(await second.query("select n from items where id = 'kept'")).to.deep.equal([{ n: 7 }]);
    await second.close();
  });

  it("runs PGlite off the calling thread with its semantics: errors, types, transactions", async () => {
    const db = await openDatabase({ url: "" });
    try {
      await migrate(db, MIGRATIONS);
      await db.query("insert into items (id, n) values ('a', 1)");
      // A PostgreSQL error crosses the thread with its fields.
      let error: (Error & { code?: string; constraint?: string }) | undefined;
      await db.query("insert into items (id, n) values ('a', 2)").catch((e) => (error = e));
      expect(error).to.be.instanceOf(Error);
      expect(error!.code).to.equal("23505");
      expect(error!.constraint).to.equal("items_pkey");
      // Bytes, JSON and big integers come back as they would in process.
      const [row] = await db.query<{ b: Uint8Array; j: unknown; big: string }>(
        "select $1::bytea as b, $2::jsonb as j, (2::bigint ^ 60)::bigint::text as big",
        [Buffer.from([1, 2, 255]), JSON.stringify({ x: [1, "y"] })],
      );
      expect([...row.b]).to.deep.equal([1, 2, 255]);
      expect(row.j).to.deep.equal({ x: [1, "y"] });
      expect(row.big).to.equal((2n ** 60n).toString());
      // One connection: a statement sent while a transaction is open waits for it to end, and
      // sees its result.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const tx = db.transaction(async (t) => {
        await t.query("insert into items (id, n) values ('t', 5)");
        await held;
        await t.query("update items set n = 6 where id = 't'");
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const outside = db.query<{ n: number }>("select n from items where id = 't'");
      release();
      await tx;
      expect(await outside).to.deep.equal([{ n: 6 }]);
      // A parameter that cannot cross the thread is refused, and the database goes on.
      await expectRejects(db.query("select $1::text", [() => 1]));
      expect(await db.query("select count(*)::int as n from items")).to.deep.equal([{ n: 2 }]);
    } finally {
      await db.close();
    }
    await expectRejects(db.query("select 1"));
  });

  it("reports an unreachable PostgreSQL server as DATABASE_UNAVAILABLE, retryable", async () => {
    await expectCode(
      openDatabase({ url: "postgres://nobody:secret@127.0.0.1:1/none" }),
      "DATABASE_UNAVAILABLE",
    );
  });
});

async function expectRejects(promise: Promise<unknown>): Promise<void> {
  let rejected = false;
  await promise.catch(() => (rejected = true));
  expect(rejected).to.equal(true);
}
