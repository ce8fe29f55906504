import { expect } from "chai";

import {
  networkFees,
  replacementFees,
} from "../../../offchain/representation/anchoring/feePolicy.js";

const GWEI = 1_000_000_000n;

describe("offchain/representation: fee policy of the anchoring stage (feePolicy)", () => {
  describe("networkFees", () => {
    it("offers the node's EIP-1559 suggestion", () => {
      expect(
        networkFees({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 2n * GWEI, gasPrice: GWEI }),
      ).to.deep.equal({ maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 2n * GWEI });
    });

    it("falls back on the legacy gas price for both on a chain without EIP-1559 fee data", () => {
      expect(
        networkFees({ maxFeePerGas: null, maxPriorityFeePerGas: null, gasPrice: 7n * GWEI }),
      ).to.deep.equal({ maxFeePerGas: 7n * GWEI, maxPriorityFeePerGas: 7n * GWEI });
    });

    it("never offers a maximum fee under the priority fee (a node refuses that)", () => {
      expect(
        networkFees({ maxFeePerGas: GWEI, maxPriorityFeePerGas: 3n * GWEI, gasPrice: null }),
      ).to.deep.equal({ maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 3n * GWEI });
    });
  });

  describe("replacementFees", () => {
    const previous = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 10n * GWEI };

    it("raises both fees of the stuck transaction by the bump", () => {
      const quiet = { maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI };
      expect(replacementFees(previous, quiet, 25)).to.deep.equal({
        maxFeePerGas: 125n * GWEI,
        maxPriorityFeePerGas: 12_500_000_000n,
      });
      // At least the 10 % nodes require of a replacement, whatever the network asks.
      const fees = replacementFees(previous, quiet, 10);
      expect(fees.maxFeePerGas * 100n >= previous.maxFeePerGas * 110n).to.equal(true);
      expect(fees.maxPriorityFeePerGas * 100n >= previous.maxPriorityFeePerGas * 110n).to.equal(
        true,
      );
    });

    it("offers what the network asks now when that is more than the bump", () => {
      const busy = { maxFeePerGas: 300n * GWEI, maxPriorityFeePerGas: 40n * GWEI };
      expect(replacementFees(previous, busy, 25)).to.deep.equal(busy);
    });

    it("keeps the maximum fee at least the priority fee when only the tip rose", () => {
      const tipped = { maxFeePerGas: GWEI, maxPriorityFeePerGas: 200n * GWEI };
      expect(replacementFees(previous, tipped, 25)).to.deep.equal({
        maxFeePerGas: 200n * GWEI,
        maxPriorityFeePerGas: 200n * GWEI,
      });
    });
  });
});
