import type { ChainAuthorizer } from "./ChainAuthorizer.js";
import type { IndexedRecord, M2S } from "../monitoring/m2s/M2S.js";

/**
 * Whether `user` may read this record's payload (and so its key wrap) through some dataset, asked
 * of the chain at the latest block, the index read through M2S. The occurrences share the record id, hence the source key and
 * the reading; never another record of the same data hash, whose grant says nothing about this
 * source. One rule for the payload route and the wrap route, so a wrap is served exactly when the
 * payload would be.
 *
 * @example
 * if (!(await mayReadRecord({ m2s, authorizer }, occurrences, address))) throw new AccessDeniedError(…);
 */
export async function mayReadRecord(
  { m2s, authorizer }: { m2s: M2S; authorizer: ChainAuthorizer },
  occurrences: IndexedRecord[],
  user: string,
  datasetId?: string,
): Promise<boolean> {
  for (const record of occurrences) {
    if (record.sourceId === null) continue;
    const candidates = datasetId
      ? [BigInt(datasetId)]
      : await m2s.datasetsContaining(record.sourceId, record.formatId);
    for (const candidate of candidates) {
      if (await authorizer.canRead(candidate, user, BigInt(record.sourceId), record.formatId)) {
        return true;
      }
    }
  }
  return false;
}
