import { expect } from "chai";
import { SiweMessage } from "siwe";

import { BaseError } from "../../../offchain/shared/BaseError.js";
import {
  parseSiweMessage,
  type SiweMessageFields,
} from "../../../offchain/service/parseSiweMessage.js";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/**
 * Messages EIP-4361's grammar admits, together covering each of its optional parts: the EIP's
 * own example, a scheme and port, no statement, every optional field, an empty request id and
 * resource list, numeric offsets, lower-case `t`/`z`, long fractions, an IPv6 literal with
 * userinfo, a URN, query and fragment, a statement with every punctuation mark it allows,
 * a leap day, year 1.
 */
const VALID = [
  `example.com wants you to sign in with your Ethereum account:
${A}

I accept the ExampleOrg Terms of Service: https://example.com/tos

URI: https://example.com/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json`,
  `https://example.com:3388 wants you to sign in with your Ethereum account:
${A}


URI: https://example.com:3388/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24.000+02:00
Expiration Time: 2021-10-30t16:25:24.123456z
Not Before: 2021-09-30T16:25:24-05:30
Request ID: 
Resources:`,
  `user:pw@[2001:db8::1]:8080 wants you to sign in with your Ethereum account:
${A}

Sign in! #1 $&'()*+,;=/?[]@_~.-

URI: urn:isbn:0451450523?x=1#frag
Version: 1
Chain ID: 31337
Nonce: ABCdef0123456789
Issued At: 2024-02-29T23:59:59.9Z
Request ID: %41b:c@d
Resources:
- did:pkh:eip155:1:${A}`,
  `127.0.0.1:8080 wants you to sign in with your Ethereum account:
${A}

Sign in to the DataLedger service

URI: http://127.0.0.1:8080
Version: 1
Chain ID: 0
Nonce: abcdefgh
Issued At: 0001-01-01T00:00:00Z`,
];

function ours(message: string): SiweMessageFields | undefined {
  try {
    return parseSiweMessage(message);
  } catch (error) {
    // Anything but our one error type would be a 500 at the route.
    expect(error, JSON.stringify(message)).to.be.instanceOf(BaseError);
    expect((error as BaseError).code).to.equal("SIWE_INVALID");
    return undefined;
  }
}

function reference(message: string): SiweMessage | undefined {
  try {
    return new SiweMessage(message);
  } catch {
    return undefined;
  }
}

/** The reference's date-time strings as instants (RFC 3339 allows `t` and `z`; Date does not). */
const instant = (text: string | undefined) =>
  text === undefined ? undefined : new Date(text.toUpperCase()).getTime();

function expectSameFields(mine: SiweMessageFields, theirs: SiweMessage, label: string): void {
  expect(
    {
      scheme: mine.scheme,
      domain: mine.domain,
      address: mine.address,
      statement: mine.statement,
      uri: mine.uri,
      version: mine.version,
      chainId: mine.chainId,
      nonce: mine.nonce,
      issuedAt: mine.issuedAt.getTime(),
      expirationTime: mine.expirationTime?.getTime(),
      notBefore: mine.notBefore?.getTime(),
      requestId: mine.requestId,
      resources: mine.resources,
    },
    label,
  ).to.deep.equal({
    scheme: theirs.scheme,
    domain: theirs.domain,
    address: theirs.address,
    statement: theirs.statement,
    uri: theirs.uri,
    version: theirs.version,
    chainId: theirs.chainId,
    nonce: theirs.nonce,
    issuedAt: instant(theirs.issuedAt),
    expirationTime: instant(theirs.expirationTime),
    notBefore: instant(theirs.notBefore),
    requestId: theirs.requestId,
    resources: theirs.resources,
  });
}

/**
 * Every message one edit away from a valid one: each character deleted, case-flipped, or with
 * one of a few characters inserted before it (line feeds, CR, spaces, separators, non-ASCII);
 * each line duplicated in place, deleted, swapped with the next, or appended again at the end;
 * a newline before or after the whole.
 */
function mutants(message: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= message.length; i++) {
    const [before, at, after] = [message.slice(0, i), message[i] ?? "", message.slice(i + 1)];
    if (at) out.add(before + after);
    const flipped = at === at.toUpperCase() ? at.toLowerCase() : at.toUpperCase();
    if (flipped !== at) out.add(before + flipped + after);
    for (const c of ["\n", "\r", " ", ":", "x", "0", "-", "/", "@", "é"]) {
      out.add(before + c + message.slice(i));
    }
  }
  const lines = message.split("\n");
  const edited = (edit: (ls: string[]) => void) => {
    const ls = [...lines];
    edit(ls);
    out.add(ls.join("\n"));
  };
  for (let j = 0; j < lines.length; j++) {
    edited((ls) => ls.splice(j, 0, lines[j]));
    edited((ls) => ls.splice(j, 1));
    edited((ls) => ls.push(lines[j]));
    if (j + 1 < lines.length) edited((ls) => ([ls[j], ls[j + 1]] = [ls[j + 1], ls[j]]));
  }
  out.add(`${message}\n`);
  out.add(`\n${message}`);
  // Edits of more than one character that lenient parsers are known to let through.
  out.add(message.replace(A, A.toLowerCase()));
  out.add(message.replace(A, `0x${A.slice(2).toUpperCase()}`));
  out.add(message.replaceAll("\n", "\r\n"));
  for (const date of NOT_RFC_3339) {
    out.add(message.replace(/^(Issued At|Expiration Time|Not Before): .*$/m, `$1: ${date}`));
  }
  out.delete(message);
  return out;
}

/** Date-times that `Date.parse` or ISO 8601 would take but RFC 3339 does not. */
const NOT_RFC_3339 = [
  "yesterday",
  "2021-09-30",
  "2021-09-30 16:25:24Z",
  "2021-09-30T16:25:24",
  "2021-09-30T16:25Z",
  "2021-09-30T16:25:24+0200",
  "2021-09-30T16:25:24.Z",
  "+002021-09-30T16:25:24Z",
  "Thu, 30 Sep 2021 16:25:24 GMT",
  "1632932724",
  "2021-13-01T00:00:00Z",
  "2021-04-31T00:00:00Z",
  "2023-02-29T00:00:00Z",
  "2021-09-30T24:00:00Z",
  "2021-09-30T16:60:00Z",
  "2021-09-30T16:25:24+24:00",
];

/** The three places `parseSiweMessage` documents as stricter than the grammar. */
const deliberatelyStricter = (message: string) =>
  /^Chain ID: 0[0-9]/m.test(message) || // a second spelling of the chain id
  message.includes(`${A}\n\n\n\nURI: `) || // the reference's four-LF "empty statement"
  /T\d\d:\d\d:60/i.test(message); // a leap second

describe("offchain/service: parseSiweMessage against EIP-4361's grammar", function () {
  this.timeout(120_000);

  it("reads the grammar's valid messages as the reference siwe package does", () => {
    for (const message of VALID) {
      const theirs = reference(message);
      expect(theirs, `the reference accepts ${JSON.stringify(message)}`).to.not.equal(undefined);
      const mine = ours(message);
      expect(mine, `we accept ${JSON.stringify(message)}`).to.not.equal(undefined);
      expectSameFields(mine!, theirs!, JSON.stringify(message));
    }
  });

  it("refuses every one-edit mutant the reference refuses, and reads the rest alike", () => {
    const looser: string[] = [];
    let compared = 0;
    const stricter: string[] = [];
    for (const valid of VALID) {
      for (const message of mutants(valid)) {
        const mine = ours(message);
        const theirs = reference(message);
        if (mine && !theirs) looser.push(message);
        if (!mine && theirs) stricter.push(message);
        if (mine && theirs) {
          expectSameFields(mine, theirs, JSON.stringify(message));
          compared++;
        }
      }
    }
    expect(looser, "accepted what the reference refuses").to.deep.equal([]);
    expect(compared, "mutants both accept (case flips, inserted digits …)").to.be.above(1000);
    // Stricter only where the parser says it is; anything else would refuse real wallets.
    for (const message of stricter) {
      expect(deliberatelyStricter(message), JSON.stringify(message)).to.equal(true);
    }
  });

  it("is stricter than the grammar only in its three documented places, each with its reason", () => {
    const [base] = VALID;
    const cases: [string, string][] = [
      [base.replace("Chain ID: 1", "Chain ID: 01"), "chainId"],
      [base.replace(/^I accept.*\n/m, "\n"), "layout"],
      [base.replace("16:25:24Z", "23:59:60Z"), "issuedAt"],
    ];
    for (const [message, reason] of cases) {
      expect(deliberatelyStricter(message), message).to.equal(true);
      expect(reference(message), `the reference accepts ${message}`).to.not.equal(undefined);
      expect(() => parseSiweMessage(message))
        .to.throw(BaseError)
        .with.property("details")
        .that.deep.equals({ reason });
    }
  });
});
