import { getAddress, type Address } from "viem";

import { SiweInvalidError } from "./errors.js";

/** The fields of a well-formed EIP-4361 message, times as instants. */
export interface SiweMessageFields {
  /** The origin's scheme when the header names one (`https://data.example.org wants …`). */
  scheme?: string;
  domain: string;
  /** EIP-55 checksummed, exactly as written. */
  address: Address;
  statement?: string;
  uri: string;
  version: "1";
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expirationTime?: Date;
  notBefore?: Date;
  requestId?: string;
  resources?: string[];
}

/**
 * The rule a refused message broke, as `details.reason` of `SIWE_INVALID`: the line structure
 * (`header`, `layout`, `unknownField`, `duplicateField`, `fieldOrder`, `missingField`) or the
 * value of one field (named as in `SiweMessageFields`).
 */
export type SiweSyntaxRule =
  | "header"
  | "domain"
  | "address"
  | "statement"
  | "layout"
  | "unknownField"
  | "duplicateField"
  | "fieldOrder"
  | "missingField"
  | "uri"
  | "version"
  | "chainId"
  | "nonce"
  | "issuedAt"
  | "expirationTime"
  | "notBefore"
  | "requestId"
  | "resources";

// RFC 3986 pieces, as EIP-4361's ABNF imports them. ASCII-only character classes (no `u` flag),
// so anything outside printable ASCII fails to match.
const UNRESERVED = "A-Za-z0-9\\-._~";
const SUB_DELIMS = "!$&'()*+,;=";
const PCT_ENCODED = "%[0-9A-Fa-f]{2}";
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})`;
const SCHEME = "[A-Za-z][A-Za-z0-9+\\-.]*";
const H16 = "[0-9A-Fa-f]{1,4}";
const DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])";
const IPV4 = `${DEC_OCTET}(?:\\.${DEC_OCTET}){3}`;
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `(?:${H16})?::(?:${H16}:){4}${LS32}`,
  `(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}`,
  `(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}`,
  `(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}`,
  `(?:(?:${H16}:){0,4}${H16})?::${LS32}`,
  `(?:(?:${H16}:){0,5}${H16})?::${H16}`,
  `(?:(?:${H16}:){0,6}${H16})?::`,
].join("|");
const IP_FUTURE = `v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+`;
// IPv4address needs no alternative of its own: reg-name matches the same text.
const HOST = `(?:\\[(?:${IPV6}|${IP_FUTURE})\\]|(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})*)`;
const AUTHORITY = `(?:(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT_ENCODED})*@)?${HOST}(?::[0-9]*)?`;
const SEGMENT = `${PCHAR}*`;
const SEGMENT_NZ = `${PCHAR}+`;
const HIER_PART =
  `(?://${AUTHORITY}(?:/${SEGMENT})*` +
  `|/(?:${SEGMENT_NZ}(?:/${SEGMENT})*)?` +
  `|${SEGMENT_NZ}(?:/${SEGMENT})*` +
  `|)`;
const QUERY = `(?:${PCHAR}|[/?])*`;
const URI = `${SCHEME}:${HIER_PART}(?:\\?${QUERY})?(?:#${QUERY})?`;

const SCHEME_RE = new RegExp(`^${SCHEME}$`);
const AUTHORITY_RE = new RegExp(`^${AUTHORITY}$`);
const URI_RE = new RegExp(`^${URI}$`);
const STATEMENT_RE = new RegExp(`^[${UNRESERVED}${SUB_DELIMS}:/?#\\[\\]@ ]+$`);
const REQUEST_ID_RE = new RegExp(`^${PCHAR}*$`);
const ADDRESS_RE = /^0x[0-9A-Fa-f]{40}$/;
const NONCE_RE = /^[A-Za-z0-9]{8,}$/;
// No leading zeros: "031337" would be a second spelling of chain 31337 under the same signature.
const CHAIN_ID_RE = /^(?:0|[1-9][0-9]*)$/;
// RFC 3339 `date-time` (section 5.6); its ABNF strings are case-insensitive, hence [Tt] and [Zz].
const DATE_TIME_RE =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;

const HEADER_SUFFIX = " wants you to sign in with your Ethereum account:";

interface FieldSpec {
  key: Exclude<keyof SiweMessageFields, "scheme" | "domain" | "address" | "statement">;
  /** The line's text before the value. */
  prefix: string;
  required: boolean;
}

/** EIP-4361's fields in the one order the message may list them. */
const FIELDS: readonly FieldSpec[] = [
  { key: "uri", prefix: "URI: ", required: true },
  { key: "version", prefix: "Version: ", required: true },
  { key: "chainId", prefix: "Chain ID: ", required: true },
  { key: "nonce", prefix: "Nonce: ", required: true },
  { key: "issuedAt", prefix: "Issued At: ", required: true },
  { key: "expirationTime", prefix: "Expiration Time: ", required: false },
  { key: "notBefore", prefix: "Not Before: ", required: false },
  { key: "requestId", prefix: "Request ID: ", required: false },
  { key: "resources", prefix: "Resources:", required: false },
];

/**
 * Parses a Sign-In with Ethereum message by EIP-4361's ABNF and nothing looser: the header, an
 * EIP-55 address, the blank lines around an optional statement, then the fields in the EIP's
 * order, each at most once, the five required ones present, values by their grammar (RFC 3986
 * URIs, RFC 3339 date-times with real calendar dates), `\n` line ends and no line after the
 * last field (so no trailing newline). Whether the message is for this service (domain, URI,
 * chain, nonce, times) is for the caller to check. Deliberately stricter than the grammar in
 * three places that no wallet writes: a chain id with leading zeros, a leap second (`:60`, which
 * no POSIX clock can place), and the reference parser's extra empty-statement form (four line
 * feeds after the address).
 *
 * @throws {SiweInvalidError} `SIWE_INVALID`, `details.reason` the broken rule (`SiweSyntaxRule`).
 *
 * @example
 * const { address, nonce, issuedAt } = parseSiweMessage(message);
 */
export function parseSiweMessage(message: string): SiweMessageFields {
  if (message.includes("\r")) refuse("layout", 1, "Lines must end with LF alone");
  const lines = message.split("\n");

  const header = lines[0];
  if (!header.endsWith(HEADER_SUFFIX)) {
    refuse("header", 1, `The first line must end with "${HEADER_SUFFIX.trim()}"`);
  }
  const origin = header.slice(0, -HEADER_SUFFIX.length);
  // An authority holds no "/", so the first "://" is where a scheme ends, if there is one.
  const schemeEnd = origin.indexOf("://");
  const scheme = schemeEnd === -1 ? undefined : origin.slice(0, schemeEnd);
  const domain = schemeEnd === -1 ? origin : origin.slice(schemeEnd + 3);
  if (scheme !== undefined && !SCHEME_RE.test(scheme)) {
    refuse("domain", 1, "The scheme is not an RFC 3986 scheme");
  }
  if (domain === "" || !AUTHORITY_RE.test(domain)) {
    refuse("domain", 1, "The domain is not an RFC 3986 authority");
  }

  const address = lines[1] ?? "";
  if (!ADDRESS_RE.test(address)) refuse("address", 2, "The address is not 0x and 40 hex digits");
  if (getAddress(address) !== address) {
    refuse("address", 2, "The address is not EIP-55 checksummed");
  }
  if (lines[2] !== "") refuse("layout", 3, "A blank line must follow the address");

  let statement: string | undefined;
  let first = 4;
  if (lines[3] === undefined) refuse("missingField", 4, "The message ends before its fields");
  if (lines[3] !== "") {
    statement = lines[3];
    if (!STATEMENT_RE.test(statement)) {
      refuse("statement", 4, "The statement has characters EIP-4361 does not allow");
    }
    if (lines[4] !== "") refuse("layout", 5, "A blank line must follow the statement");
    first = 5;
  }

  const values: Partial<Record<FieldSpec["key"], string>> = {};
  const resources: string[] = [];
  let next = 0; // index in FIELDS of the earliest field the next line may be
  for (let n = first; n < lines.length; n++) {
    const line = lines[n];
    const lineNo = n + 1;
    if (values.resources !== undefined && line.startsWith("- ")) {
      if (!URI_RE.test(line.slice(2))) refuse("resources", lineNo, "A resource is not a URI");
      resources.push(line.slice(2));
      continue;
    }
    const k = FIELDS.findIndex((f) =>
      f.key === "resources" ? line === f.prefix : line.startsWith(f.prefix),
    );
    if (k === -1) {
      if (line === "")
        refuse("layout", lineNo, "No blank line among the fields, nor a final newline");
      refuse("unknownField", lineNo, "The line is not an EIP-4361 field");
    }
    const field = FIELDS[k];
    if (values[field.key] !== undefined) {
      refuse("duplicateField", lineNo, `"${field.prefix.trim()}" is given twice`);
    }
    if (k < next) refuse("fieldOrder", lineNo, `"${field.prefix.trim()}" is out of order`);
    for (let j = next; j < k; j++) {
      if (!FIELDS[j].required) continue;
      const later = lines.slice(n + 1).some((l) => l.startsWith(FIELDS[j].prefix));
      refuse(
        later ? "fieldOrder" : "missingField",
        lineNo,
        `"${FIELDS[j].prefix.trim()}" must come before "${field.prefix.trim()}"`,
      );
    }
    const value = line.slice(field.prefix.length);
    checkValue(field.key, value, lineNo);
    values[field.key] = value;
    next = k + 1;
  }
  const missing = FIELDS.find((f) => f.required && values[f.key] === undefined);
  if (missing) refuse("missingField", lines.length, `"${missing.prefix.trim()}" is missing`);

  // Every value was checked as its line was read, and the required ones are all there.
  const { uri, chainId, nonce, issuedAt, expirationTime, notBefore, requestId } = values as Record<
    FieldSpec["key"],
    string
  >;
  return {
    ...(scheme !== undefined && { scheme }),
    domain,
    address: address as Address,
    ...(statement !== undefined && { statement }),
    uri,
    version: "1",
    chainId: Number(chainId),
    nonce,
    issuedAt: instant(issuedAt),
    ...(expirationTime !== undefined && { expirationTime: instant(expirationTime) }),
    ...(notBefore !== undefined && { notBefore: instant(notBefore) }),
    ...(requestId !== undefined && { requestId }),
    ...(values.resources !== undefined && { resources }),
  };
}

/** A date-time `checkValue` has accepted. */
function instant(text: string): Date {
  return parseDateTime(text) as Date;
}

function checkValue(key: FieldSpec["key"], value: string, lineNo: number): void {
  switch (key) {
    case "uri":
      if (!URI_RE.test(value)) refuse("uri", lineNo, "The URI is not an RFC 3986 URI");
      return;
    case "version":
      if (value !== "1") refuse("version", lineNo, "The version must be 1");
      return;
    case "chainId":
      if (!CHAIN_ID_RE.test(value) || !Number.isSafeInteger(Number(value))) {
        refuse("chainId", lineNo, "The chain id is not a decimal integer");
      }
      return;
    case "nonce":
      if (!NONCE_RE.test(value)) refuse("nonce", lineNo, "The nonce is not 8+ alphanumerics");
      return;
    case "issuedAt":
    case "expirationTime":
    case "notBefore":
      if (parseDateTime(value) === undefined) {
        refuse(key, lineNo, `"${value}" is not an RFC 3339 date-time`);
      }
      return;
    case "requestId":
      if (!REQUEST_ID_RE.test(value)) refuse("requestId", lineNo, "The request id is not pchars");
      return;
    case "resources":
      return; // "Resources:" has no value; its "- " lines are checked as they come
  }
}

/** The instant of an RFC 3339 date-time, or undefined when it is not one or names no real day. */
function parseDateTime(text: string): Date | undefined {
  const m = DATE_TIME_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Number((m[7] ?? "").slice(0, 3).padEnd(3, "0"));
  const offsetMinutes = m[8] ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function refuse(rule: SiweSyntaxRule, line: number, why: string): never {
  throw new SiweInvalidError(rule, `Not an EIP-4361 message: line ${line}: ${why}`);
}
