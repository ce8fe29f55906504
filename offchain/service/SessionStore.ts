import { randomBytes } from "node:crypto";

import {
  getAddress,
  keccak256,
  recoverMessageAddress,
  toBytes,
  type Address,
  type Hex,
} from "viem";

import type { Database, Queryable } from "../storage/Database.js";
import { createSiweNonce } from "./createSiweNonce.js";
import { SessionExpiredError, SiweInvalidError, UnauthenticatedError } from "./errors.js";
import { parseSiweMessage } from "./parseSiweMessage.js";

/** How far a wallet's clock may run ahead of or behind ours (issued-at checks). */
const CLOCK_SKEW_MS = 60_000;

/** What a SIWE message must say to open a session here (EIP-4361). */
export interface SiweConfig {
  /** RFC 3986 authority the wallet shows the user, e.g. "data.example.org". */
  domain: string;
  /** The service URI the message must name. */
  uri: string;
  chainId: number;
  /** Longest session, seconds (default 3600); a shorter `expirationTime` in the message wins. */
  sessionTtlSeconds?: number;
  /** How long an issued nonce may wait for its signed message, seconds (default 300). */
  nonceTtlSeconds?: number;
}

/** An authenticated data user. */
export interface Session {
  address: Address;
  expiresAt: number;
}

/**
 * Sign-In with Ethereum for the U2S reference point: issues single-use nonces, verifies signed
 * EIP-4361 messages (strict syntax, then domain, URI, chain id, nonce, times, signature) and keeps
 * sessions as random bearer tokens of which only the hash is stored. Signatures are checked by
 * ECDSA recovery over the message exactly as sent, so externally owned accounts sign in; contract
 * wallets (ERC-1271) are not supported.
 *
 * @example
 * const { nonce } = await sessions.issueNonce();
 * const { token } = await sessions.signIn(message, signature);
 * const { address } = await sessions.authenticate(`Bearer ${token}`);
 */
export class SessionStore {
  readonly #db: Database;
  #config: Required<SiweConfig>;
  /** The scheme of `config.uri`: the only one a message's header may name. */
  readonly #scheme: string;
  readonly #now: () => number;

  constructor(db: Database, config: SiweConfig, now: () => number = Date.now) {
    this.#db = db;
    this.#config = { sessionTtlSeconds: 3600, nonceTtlSeconds: 300, ...config };
    this.#scheme = config.uri.slice(0, Math.max(0, config.uri.indexOf(":")));
    this.#now = now;
  }

  /** The longest session opened from now on, seconds (C2S: changed by `setSessionTtlSeconds`). */
  get sessionTtlSeconds(): number {
    return this.#config.sessionTtlSeconds;
  }

  /**
   * C2S (Y.4561 8.8 steps 2–4 on the service FE): the controlling FE changes the session
   * lifetime of the running service. Sessions opened from now on get it; open ones keep theirs.
   */
  setSessionTtlSeconds(seconds: number): void {
    this.#config.sessionTtlSeconds = seconds;
  }

  /** A fresh nonce for the client to put in its SIWE message, with what else it must state. */
  async issueNonce(): Promise<
    { nonce: string; expiresAt: number } & Pick<SiweConfig, "domain" | "uri" | "chainId">
  > {
    const nonce = createSiweNonce();
    const now = this.#now();
    const expiresAt = now + this.#config.nonceTtlSeconds * 1000;
    await this.#db.query("delete from svc_nonces where expires_at <= $1", [now]);
    await this.#db.query("insert into svc_nonces (nonce, expires_at) values ($1, $2)", [
      nonce,
      expiresAt,
    ]);
    const { domain, uri, chainId } = this.#config;
    return { nonce, expiresAt, domain, uri, chainId };
  }

  /**
   * Verifies a signed SIWE message and opens a session. Checks, in this order: the message's
   * syntax (`parseSiweMessage`), that it names this service's domain (and scheme, if any), URI
   * and chain, a nonce issued here that is unused and unexpired, an issued-at neither ahead of
   * our clock nor before its nonce was issued (a minute of skew either way), an expiration time
   * still ahead and a not-before already past, and an ECDSA signature by the message's address.
   *
   * A refused sign-in writes nothing: its nonce stays usable (until it expires) for a message
   * that holds up. Consuming nonces on failure would let anyone who learned a user's nonce void
   * their sign-in with garbage, and buys nothing: a nonce opens a session only with its owner's
   * signature. The nonce is consumed, and the session stored, in one transaction whose `delete
   * … returning` lets exactly one of two racing requests with the same message through.
   *
   * @throws {SiweInvalidError} `SIWE_INVALID`, `details.reason` naming the failed rule: a
   *   `SiweSyntaxRule`, or `domain`, `uri`, `chainId`, `nonce`, `issuedAt`, `expirationTime`,
   *   `notBefore`, `signature`.
   */
  async signIn(message: string, signature: Hex): Promise<{ token: string } & Session> {
    const now = this.#now();
    const fields = parseSiweMessage(message);
    const { domain, uri, chainId, nonceTtlSeconds } = this.#config;
    if (fields.domain !== domain || (fields.scheme !== undefined && fields.scheme !== this.#scheme))
      throw new SiweInvalidError("domain", "The message is for another domain");
    if (fields.uri !== uri) throw new SiweInvalidError("uri", "The message is for another URI");
    if (fields.chainId !== chainId)
      throw new SiweInvalidError("chainId", "The message is for another chain");

    const [nonce] = await this.#db.query<{ expires_at: string }>(
      "select expires_at::text as expires_at from svc_nonces where nonce = $1 and expires_at > $2",
      [fields.nonce, now],
    );
    if (!nonce)
      throw new SiweInvalidError("nonce", "The nonce is unknown, expired or already used");
    // The issue time is not stored; it is the expiry less the lifetime (the one configured now).
    const nonceIssuedAt = Number(nonce.expires_at) - nonceTtlSeconds * 1000;
    const issuedAt = fields.issuedAt.getTime();
    // "Issued" in the future: made now to be replayed later.
    if (issuedAt > now + CLOCK_SKEW_MS)
      throw new SiweInvalidError("issuedAt", "The message is issued in the future");
    // Older than its nonce: the message cannot have been written for it.
    if (issuedAt < nonceIssuedAt - CLOCK_SKEW_MS)
      throw new SiweInvalidError("issuedAt", "The message is older than its nonce");
    if (fields.expirationTime && fields.expirationTime.getTime() <= now)
      throw new SiweInvalidError("expirationTime", "The message has expired");
    if (fields.notBefore && fields.notBefore.getTime() > now)
      throw new SiweInvalidError("notBefore", "The message is not valid yet");

    let signer: Address;
    try {
      signer = await recoverMessageAddress({ message, signature });
    } catch {
      throw new SiweInvalidError("signature", "The signature is malformed");
    }
    if (signer !== fields.address) {
      throw new SiweInvalidError("signature", "The signature is not the message's address's");
    }

    const ttlEnd = now + this.#config.sessionTtlSeconds * 1000;
    const expiresAt = Math.min(ttlEnd, fields.expirationTime?.getTime() ?? ttlEnd);
    const token = randomBytes(32).toString("base64url");
    await this.#db.transaction(async (tx) => {
      const consumed = await tx.query(
        "delete from svc_nonces where nonce = $1 and expires_at > $2 returning nonce",
        [fields.nonce, now],
      );
      if (consumed.length === 0) {
        throw new SiweInvalidError("nonce", "The nonce is unknown, expired or already used");
      }
      await tx.query(
        "insert into svc_sessions (token_hash, address, expires_at, created_at) values ($1, $2, $3, $4)",
        [hashToken(token), signer, expiresAt, now],
      );
    });
    return { token, address: signer, expiresAt };
  }

  /**
   * The session behind an `Authorization: Bearer <token>` header.
   *
   * @throws {UnauthenticatedError} `UNAUTHENTICATED` without a known token.
   * @throws {SessionExpiredError} `SESSION_EXPIRED` for an expired one (which is then deleted).
   */
  async authenticate(authorization: string | undefined): Promise<Session> {
    const token = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(authorization ?? "")?.[1];
    if (!token) throw new UnauthenticatedError();
    const [row] = await this.#db.query<{ address: string; expires_at: string }>(
      "select address, expires_at::text as expires_at from svc_sessions where token_hash = $1",
      [hashToken(token)],
    );
    if (!row) throw new UnauthenticatedError("Unknown or logged-out session token");
    if (Number(row.expires_at) <= this.#now()) {
      await this.#db.query("delete from svc_sessions where token_hash = $1", [hashToken(token)]);
      throw new SessionExpiredError();
    }
    return { address: getAddress(row.address), expiresAt: Number(row.expires_at) };
  }

  /** Ends the session of a bearer token; unknown tokens are ignored. */
  async signOut(authorization: string | undefined): Promise<void> {
    const token = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(authorization ?? "")?.[1];
    if (!token) throw new UnauthenticatedError();
    await this.#db.query("delete from svc_sessions where token_hash = $1", [hashToken(token)]);
  }
}

/**
 * The sessions still open at `now` (unix ms): who holds each and when it was opened. For the
 * controlling FE's configuration check (a grant that expired under an open session); read-only.
 *
 * @example
 * for (const { address, createdAt } of await listOpenSessions(serviceDb, Date.now())) …
 */
export async function listOpenSessions(
  db: Queryable,
  now: number,
): Promise<{ address: Address; createdAt: number }[]> {
  const rows = await db.query<{ address: string; created_at: string }>(
    "select address, created_at::text as created_at from svc_sessions where expires_at > $1",
    [now],
  );
  return rows.map((row) => ({
    address: getAddress(row.address),
    createdAt: Number(row.created_at),
  }));
}

function hashToken(token: string): string {
  return keccak256(toBytes(token));
}
