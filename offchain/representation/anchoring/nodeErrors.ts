import type { Interface } from "ethers";

/**
 * Reverts that no retry can cure: the relayed record's signature or source no longer passes the
 * ledger's checks (DataRegistryInvalidSignature also when it was made in an epoch the source has
 * since left: a suspension, reactivation or key rotation in between), or
 * (DataRegistryDataHashHeld) another active record holds the data hash of a unique-hash format;
 * freeing it takes a revocation or update nobody here can make. Everything else (pause, missing
 * role, a duplicate that the ledger's state then confirms, RPC trouble) is retried with backoff.
 */
const PERMANENT_REVERTS = new Set([
  "DataRegistryZeroDataHash",
  "DataRegistryDataHashHeld",
  "DataRegistryExpiredSignature",
  "DataRegistryInvalidSignature",
  "DataRegistryInvalidDataBlock",
  "SourceRegistryInactiveSource",
  "SourceRegistryFormatNotAllowed",
  "FormatRegistryUnknownFormat",
  "FormatRegistryDeprecatedFormat",
]);

/** A ledger call's revert, as the node reported it to `estimateGas`. */
export interface LedgerRevert {
  /** The custom error's name; undefined when the node gave no data the ledger's ABI decodes. */
  name: string | undefined;
  /** Whether no retry can cure it (the subject fails for good). */
  permanent: boolean;
}

/**
 * What a failed `estimateGas` of a ledger call says: the ledger's revert, or undefined when the
 * call did not revert (RPC trouble, a node refusing: worth a retry).
 *
 * @example
 * const revert = ledgerRevert(error, ledger.interface);
 * if (revert?.permanent) await store.markFailed(subject, revert.name!);
 */
export function ledgerRevert(error: unknown, ledgerInterface: Interface): LedgerRevert | undefined {
  if ((error as { code?: string }).code !== "CALL_EXCEPTION") return undefined;
  const name = revertName(error, ledgerInterface);
  return { name, permanent: name !== undefined && PERMANENT_REVERTS.has(name) };
}

/**
 * Why a node refused a raw transaction, when that is something the submitter handles:
 * "underpriced" when it wants higher fees for the nonce (its pool holds another transaction
 * there), "known" when it holds this one already or its nonce is spent (mined, maybe by this very
 * transaction: the receipt pass finds out which). Undefined for anything else (retry later).
 * Nodes say so only in words, and each client words it its own way.
 *
 * @example
 * if (broadcastRefusal(error) === "underpriced") await replace(transaction);
 */
export function broadcastRefusal(error: unknown): "underpriced" | "known" | undefined {
  const message = errorText(error);
  if (/underpriced|fee too low|replacement/i.test(message)) return "underpriced";
  if (
    /already known|known transaction|already imported|nonce too low|nonce.*(lower|used)/i.test(
      message,
    )
  ) {
    return "known";
  }
  return undefined;
}

function revertName(error: unknown, ledgerInterface: Interface): string | undefined {
  const e = error as {
    revert?: { name?: string };
    data?: string;
    info?: { error?: { data?: string } };
  };
  if (e.revert?.name) return e.revert.name;
  const data = e.data ?? e.info?.error?.data;
  if (typeof data !== "string" || data.length < 10) return undefined;
  try {
    return ledgerInterface.parseError(data)?.name;
  } catch {
    return undefined;
  }
}

/** Every text an ethers error carries: its own, and the node's JSON-RPC error message. */
function errorText(error: unknown): string {
  const e = error as {
    message?: string;
    shortMessage?: string;
    info?: { error?: { message?: string } };
  };
  return [e.shortMessage, e.message, e.info?.error?.message].filter(Boolean).join(" ");
}
