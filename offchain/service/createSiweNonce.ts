import { randomBytes } from "node:crypto";

/** Bytes of CSPRNG output in a nonce: 128 bits, above the 96 that EIP-4361's reference uses. */
const NONCE_BYTES = 16;

/**
 * A Sign-In with Ethereum nonce: 128 bits from the operating system's CSPRNG, as 32 lower-case
 * hex digits (EIP-4361 wants at least 8 alphanumerics). Hex rather than base-62 so that every
 * character carries exactly four unbiased bits. viem's `generateSiweNonce` is not used: it slides
 * a 96-character window one step along one buffer of `Math.random` output, so each nonce is the
 * previous one shifted by a character, and a client that asked for one could predict the nonce
 * issued to the next user.
 *
 * @example
 * createSiweNonce(); // "3f9c0a7d5e2b41c8a06f9d3e7b1c5a24"
 */
export function createSiweNonce(): string {
  return randomBytes(NONCE_BYTES).toString("hex");
}
