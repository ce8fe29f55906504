// Tests written against the mutants Stryker left alive in offchain/service/ChainAuthorizer.ts
// (npm run test:mutation): the one-block cache keyed by every argument, a failed read not
// cached, and chain failures reported as CHAIN_UNAVAILABLE. The chain is a stub whose answers
// and block number the test sets, so each rule is seen on its own.
import { expect } from "chai";
import type { Provider } from "ethers";

import { ChainAuthorizer } from "../../../offchain/service/ChainAuthorizer.js";
import type { AccessRegistry, DataLedger } from "../../../types/ethers-contracts/index.js";
import { expectCode } from "../../helpers/expectCode.js";

const USER_ROLE = `0x${"aa".repeat(32)}`;
const OPERATOR_ROLE = `0x${"bb".repeat(32)}`;

/** A chain whose grants are the `allowed` set of keys, read at `block`; every read is logged. */
function stubChain() {
  const state = {
    block: 10,
    allowed: new Set<string>(),
    failNext: 0,
    blockFails: false,
    reads: [] as { call: string; blockTag: unknown }[],
  };
  const answer = (call: string, key: string, options: { blockTag?: unknown }) => {
    state.reads.push({ call, blockTag: options.blockTag });
    if (state.failNext > 0) {
      state.failNext--;
      return Promise.reject(new Error("node down"));
    }
    return Promise.resolve(state.allowed.has(key));
  };
  let roleReads = 0;
  const ledger = {
    USER_ROLE: () => {
      roleReads++;
      return Promise.resolve(USER_ROLE);
    },
    OPERATOR_ROLE: () => {
      roleReads++;
      return Promise.resolve(OPERATOR_ROLE);
    },
    hasRole: (role: string, user: string, options: { blockTag?: unknown }) =>
      answer("hasRole", `${role}:${user}`, options),
    // A key bound to a source answers its id, any other 0.
    sourceIdOf: (key: string, options: { blockTag?: unknown }) =>
      answer("sourceIdOf", `source:${key}`, options).then((bound) => (bound ? 7n : 0n)),
  };
  const access = {
    hasAccess: (datasetId: bigint, user: string, options: { blockTag?: unknown }) =>
      answer("hasAccess", `access:${datasetId}:${user}`, options),
    canRead: (d: bigint, user: string, s: bigint, f: string, options: { blockTag?: unknown }) =>
      answer("canRead", `read:${d}:${user}:${s}:${f}`, options),
    datasetIncludesSource: (d: bigint, s: bigint, options: { blockTag?: unknown }) =>
      answer("datasetIncludesSource", `src:${d}:${s}`, options),
    datasetIncludesFormat: (d: bigint, f: string, options: { blockTag?: unknown }) =>
      answer("datasetIncludesFormat", `fmt:${d}:${f}`, options),
  };
  const provider = {
    getBlockNumber: () =>
      state.blockFails ? Promise.reject(new Error("no block")) : Promise.resolve(state.block),
  };
  const authorizer = new ChainAuthorizer({
    ledger: ledger as unknown as DataLedger,
    access: access as unknown as AccessRegistry,
    provider: provider as unknown as Provider,
  });
  return { state, authorizer, roleReads: () => roleReads };
}

describe("offchain/service: ChainAuthorizer, rule by rule", () => {
  it("asks USER_ROLE of the ledger at the latest block, the role read once", async () => {
    const { state, authorizer, roleReads } = stubChain();
    state.allowed.add(`${USER_ROLE}:alice`);
    expect(await authorizer.isUser("alice")).to.equal(true);
    expect(await authorizer.isUser("bob")).to.equal(false);
    state.block = 11;
    expect(await authorizer.isUser("alice")).to.equal(true);
    expect(roleReads()).to.equal(1);
    expect(state.reads.map((r) => r.blockTag)).to.deep.equal([10, 10, 11]);
  });

  it("asks OPERATOR_ROLE and source keys at the latest block, each read once per block", async () => {
    const { state, authorizer, roleReads } = stubChain();
    state.allowed.add(`${OPERATOR_ROLE}:olga`);
    state.allowed.add("source:0xdevice");
    expect(await authorizer.isOperator("olga")).to.equal(true);
    expect(await authorizer.isOperator("bob")).to.equal(false);
    expect(await authorizer.isOperator("olga")).to.equal(true);
    expect(await authorizer.isSourceKey("0xdevice")).to.equal(true);
    expect(await authorizer.isSourceKey("0xstranger")).to.equal(false);
    state.block = 12;
    expect(await authorizer.isOperator("olga")).to.equal(true);
    expect(await authorizer.isSourceKey("0xdevice")).to.equal(true);
    expect(roleReads()).to.equal(1);
    expect(state.reads.map((r) => `${r.call}@${String(r.blockTag)}`)).to.deep.equal([
      "hasRole@10",
      "hasRole@10",
      "sourceIdOf@10",
      "sourceIdOf@10",
      "hasRole@12",
      "sourceIdOf@12",
    ]);
  });

  it("keys every answer by all its arguments within one block", async () => {
    const { state, authorizer } = stubChain();
    state.allowed.add("access:1:alice");
    state.allowed.add("read:1:alice:2:0xf1");
    state.allowed.add("src:1:2");
    state.allowed.add("fmt:1:0xf1");
    // Each grant first asked as held, then every argument changed in turn within the block.
    expect(await authorizer.hasAccess(1n, "alice")).to.equal(true);
    expect(await authorizer.hasAccess(2n, "alice")).to.equal(false);
    expect(await authorizer.hasAccess(1n, "bob")).to.equal(false);
    expect(await authorizer.canRead(1n, "alice", 2n, "0xf1")).to.equal(true);
    expect(await authorizer.canRead(3n, "alice", 2n, "0xf1")).to.equal(false);
    expect(await authorizer.canRead(1n, "bob", 2n, "0xf1")).to.equal(false);
    expect(await authorizer.canRead(1n, "alice", 3n, "0xf1")).to.equal(false);
    expect(await authorizer.canRead(1n, "alice", 2n, "0xf2")).to.equal(false);
    expect(await authorizer.includesSource(1n, 2n)).to.equal(true);
    expect(await authorizer.includesSource(2n, 2n)).to.equal(false);
    expect(await authorizer.includesSource(1n, 3n)).to.equal(false);
    expect(await authorizer.includesFormat(1n, "0xf1")).to.equal(true);
    expect(await authorizer.includesFormat(2n, "0xf1")).to.equal(false);
    expect(await authorizer.includesFormat(1n, "0xf2")).to.equal(false);
    // Users and the other kinds of grant do not share keys either.
    state.allowed.add(`${USER_ROLE}:1`);
    expect(await authorizer.isUser("alice")).to.equal(false);
    expect(await authorizer.isUser("1")).to.equal(true);
    expect(state.reads.every((r) => r.blockTag === 10)).to.equal(true);
  });

  it("answers from the cache within a block and reads again in the next", async () => {
    const { state, authorizer } = stubChain();
    state.allowed.add("access:1:alice");
    expect(await authorizer.hasAccess(1n, "alice")).to.equal(true);
    state.allowed.delete("access:1:alice"); // revoked in a block not yet mined
    expect(await authorizer.hasAccess(1n, "alice")).to.equal(true);
    expect(state.reads).to.have.length(1);
    state.block = 11;
    expect(await authorizer.hasAccess(1n, "alice")).to.equal(false);
    expect(state.reads).to.have.length(2);
    // Block numbers are compared, not ordered: a reorg back to an earlier number reads again.
    state.block = 0;
    state.allowed.add("access:1:alice");
    expect(await authorizer.hasAccess(1n, "alice")).to.equal(true);
    expect(state.reads).to.have.length(3);
  });

  it("reads afresh after a failed read, in the same block, and says CHAIN_UNAVAILABLE", async () => {
    const { state, authorizer } = stubChain();
    state.allowed.add("src:1:2");
    state.failNext = 1;
    const error = await expectCode(authorizer.includesSource(1n, 2n), "CHAIN_UNAVAILABLE");
    expect((error as unknown as { shortMessage: string }).shortMessage).to.equal(
      "The ledger could not be read",
    );
    expect((error as unknown as { retryable: boolean }).retryable).to.equal(true);
    expect(await authorizer.includesSource(1n, 2n)).to.equal(true);
    expect(state.reads).to.have.length(2);
  });

  it("says CHAIN_UNAVAILABLE when the block number cannot be read", async () => {
    const { state, authorizer } = stubChain();
    state.blockFails = true;
    const error = await expectCode(authorizer.isUser("alice"), "CHAIN_UNAVAILABLE");
    expect((error as unknown as { shortMessage: string }).shortMessage).to.equal(
      "The ledger could not be read",
    );
    expect(state.reads).to.have.length(0);
  });
});
