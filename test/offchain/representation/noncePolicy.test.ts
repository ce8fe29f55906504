import { expect } from "chai";

import {
  nextNonce,
  strandedAbove,
} from "../../../offchain/representation/anchoring/noncePolicy.js";

const open = (...nonces: number[]) => nonces.map((nonce) => ({ nonce, mined: false }));

describe("offchain/representation: nonce policy of the anchoring stage (noncePolicy)", () => {
  describe("nextNonce", () => {
    it("takes the chain's mined count when nothing is pending", () => {
      expect(nextNonce(5, undefined)).to.equal(5);
      expect(nextNonce(0, undefined)).to.equal(0);
    });

    it("goes past our own highest pending transaction", () => {
      expect(nextNonce(5, 8)).to.equal(9);
    });

    it("never goes under the chain's count, even when a stale pending nonce lies below it", () => {
      expect(nextNonce(10, 3)).to.equal(10);
    });
  });

  describe("strandedAbove", () => {
    it("is undefined while our pending nonces run unbroken from the chain's", () => {
      expect(strandedAbove(open(5, 6, 7), 5)).to.equal(undefined);
      expect(strandedAbove([], 5)).to.equal(undefined);
      // Nonces below the chain's are spent: they leave no gap.
      expect(strandedAbove(open(2, 3, 5, 6), 5)).to.equal(undefined);
      // Two subjects' transactions at one nonce (a replacement race) count once.
      expect(strandedAbove(open(5, 5, 6), 5)).to.equal(undefined);
    });

    it("names the first nonce nothing of ours holds when a transaction waits above it", () => {
      // The chain rewound under us: nonce 5 is nobody's, so 6 and 7 could never be mined.
      expect(strandedAbove(open(6, 7), 5)).to.equal(5);
      expect(strandedAbove(open(5, 6, 8, 9), 5)).to.equal(7);
      // Unsorted input is sorted first.
      expect(strandedAbove(open(9, 5, 8, 6), 5)).to.equal(7);
    });

    it("decides nothing when a transaction above the chain's nonce already has a receipt", () => {
      // The count and the receipts were read across a new block: the next tick decides.
      expect(strandedAbove([...open(7), { nonce: 6, mined: true }], 5)).to.equal(undefined);
      // A mined one below the chain's count does not hold the decision back.
      expect(strandedAbove([...open(7), { nonce: 4, mined: true }], 5)).to.equal(5);
    });
  });
});
