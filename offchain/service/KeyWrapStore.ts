import type { Hex } from "viem";

import type { ReaderKeyStatement } from "../sdk/readerKey.js";
import type { KeyWrap } from "../sdk/sealedEnvelope.js";
import type { Database } from "../storage/Database.js";

/**
 * The service's side of confidential payloads: reader key statements (one per account, the
 * newest `issuedAt` kept) and data key wraps per (record, reader key). It stores what it was
 * given after the routes checked the signatures; it decides nothing about who may read.
 *
 * @example
 * const store = new KeyWrapStore(db);
 * await store.putWraps(recordId, wraps, signer);
 */
export class KeyWrapStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Stores a verified statement unless a newer one of the account is stored; true if stored. */
  async putReaderKey(statement: ReaderKeyStatement): Promise<boolean> {
    const rows = await this.#db.query(
      `insert into svc_reader_keys (account, encryption_key, issued_at, signature)
       values ($1, $2, $3, $4)
       on conflict (account) do update set encryption_key = excluded.encryption_key,
         issued_at = excluded.issued_at, signature = excluded.signature
       where svc_reader_keys.issued_at < excluded.issued_at
       returning account`,
      [
        statement.account.toLowerCase(),
        statement.encryptionKey.toLowerCase(),
        statement.issuedAt,
        statement.signature,
      ],
    );
    return rows.length === 1;
  }

  async readerKey(account: string): Promise<ReaderKeyStatement | undefined> {
    const [row] = await this.#db.query<{
      account: string;
      encryption_key: string;
      issued_at: string | number;
      signature: string;
    }>("select * from svc_reader_keys where account = $1", [account.toLowerCase()]);
    return row && toStatement(row);
  }

  /** Every stored statement, in account order. */
  async readerKeys(): Promise<ReaderKeyStatement[]> {
    const rows = await this.#db.query<{
      account: string;
      encryption_key: string;
      issued_at: string | number;
      signature: string;
    }>("select * from svc_reader_keys order by account");
    return rows.map(toStatement);
  }

  /** Stores (or replaces) one wrap per reader key of the record. */
  async putWraps(recordId: Hex, wraps: readonly KeyWrap[], signer: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      for (const wrap of wraps) {
        await tx.query(
          `insert into svc_key_wraps (record_id, reader_key, wrap, signer) values ($1, $2, $3, $4)
           on conflict (record_id, reader_key) do update set wrap = excluded.wrap, signer = excluded.signer`,
          [recordId.toLowerCase(), wrap.readerKey.toLowerCase(), JSON.stringify(wrap), signer],
        );
      }
    });
  }

  async wrap(recordId: Hex, readerKey: Hex): Promise<KeyWrap | undefined> {
    const [row] = await this.#db.query<{ wrap: string }>(
      "select wrap from svc_key_wraps where record_id = $1 and reader_key = $2",
      [recordId.toLowerCase(), readerKey.toLowerCase()],
    );
    return row && (JSON.parse(row.wrap) as KeyWrap);
  }
}

function toStatement(row: {
  account: string;
  encryption_key: string;
  issued_at: string | number;
  signature: string;
}): ReaderKeyStatement {
  return {
    account: row.account as Hex,
    encryptionKey: row.encryption_key as Hex,
    issuedAt: Number(row.issued_at),
    signature: row.signature as Hex,
  };
}
