import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";

import { AddressSchema, bearerSecurity, errorResponses } from "./schemas.js";
import type { ServiceContext } from "./ServiceContext.js";

const nonceRoute = createRoute({
  method: "get",
  path: "/v1/auth/nonce",
  tags: ["auth"],
  summary: "A single-use nonce for a Sign-In with Ethereum (EIP-4361) message",
  description:
    "128 bits from a CSPRNG as 32 hex digits, valid for one sign-in within `expiresAt`. A " +
    "refused sign-in does not use it up.",
  responses: {
    200: {
      description: "Put `nonce` in the message; `domain`, `uri` and `chainId` must match too.",
      content: {
        "application/json": {
          schema: z.object({
            nonce: z.string(),
            expiresAt: z.number().openapi({ description: "unix ms" }),
            domain: z.string(),
            uri: z.string(),
            chainId: z.number(),
          }),
        },
      },
    },
  },
});

const verifyRoute = createRoute({
  method: "post",
  path: "/v1/auth/verify",
  tags: ["auth"],
  summary: "Exchange a signed SIWE message for a session token",
  description:
    "`message` must follow EIP-4361's grammar exactly: the header, an EIP-55 checksummed " +
    "address, a blank line, an optional statement and a blank line, then URI, Version (1), " +
    "Chain ID, Nonce and Issued At, then optionally Expiration Time, Not Before, Request ID and " +
    "Resources, in that order, each once, date-times in RFC 3339, lines ending in LF and no " +
    "newline after the last. `signature` is the EIP-191 signature of `message` as sent. Any " +
    "refusal is 401 `SIWE_INVALID` with `details.reason` the rule that failed: `header`, " +
    "`layout`, `unknownField`, `duplicateField`, `fieldOrder`, `missingField`, `statement`, " +
    "`address`, `requestId`, `resources` (malformed); `domain`, `uri`, `chainId` (malformed or " +
    "not this service's); `version` (not 1); `nonce` (malformed, not issued here, used or " +
    "expired); `issuedAt` (malformed, in the future or older than the nonce); " +
    "`expirationTime` (malformed or past); `notBefore` (malformed or still ahead); " +
    "`signature` (malformed or not by the message's address). A refusal stores nothing.",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .object({
              message: z.string().min(1).max(4096),
              signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "65-byte hex signature"),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: {
      description: "Session opened; send `Authorization: Bearer <token>`.",
      content: {
        "application/json": {
          schema: z.object({ token: z.string(), address: AddressSchema, expiresAt: z.number() }),
        },
      },
    },
    ...errorResponses(400, 401, 413, 415),
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags: ["auth"],
  summary: "End the session",
  security: bearerSecurity,
  responses: { 204: { description: "Session ended" }, ...errorResponses(401) },
});

/**
 * Sign-In with Ethereum routes of the U2S reference point: nonce, verify (message + signature →
 * session token), logout.
 */
export function registerAuthRoutes(app: OpenAPIHono, { sessions }: ServiceContext): void {
  app.openapi(nonceRoute, async (c) => c.json(await sessions.issueNonce(), 200));

  app.openapi(verifyRoute, async (c) => {
    const { message, signature } = c.req.valid("json");
    return c.json(await sessions.signIn(message, signature as `0x${string}`), 200);
  });

  app.openapi(logoutRoute, async (c) => {
    await sessions.signOut(c.req.header("authorization"));
    return c.body(null, 204);
  });
}
