import { openDatabase } from "../../offchain/storage/openDatabase.js";
import type { Database } from "../../offchain/storage/Database.js";

/**
 * The databases a storage-backed test runs against: PGlite in memory always, and a real
 * PostgreSQL server when TEST_DATABASE_URL names one (.ci/run starts one on loopback). Each
 * `open()` on PostgreSQL gets a fresh schema so tests never see each other's rows.
 */
export function databaseTargets(): { name: string; open: () => Promise<Database> }[] {
  const targets = [{ name: "PGlite", open: () => openDatabase({ url: "" }) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    let n = 0;
    targets.push({
      name: "PostgreSQL",
      open: async () => {
        const schema = `t_${process.pid}_${Date.now()}_${n++}`;
        const admin = await openDatabase({ url });
        await admin.exec(`create schema ${schema}`);
        await admin.close();
        const sep = url.includes("?") ? "&" : "?";
        return openDatabase({ url: `${url}${sep}options=-c%20search_path%3D${schema}` });
      },
    });
  }
  return targets;
}
