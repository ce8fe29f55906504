import { expect } from "chai";

import { Loop } from "../../../offchain/representation/Loop.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("offchain/representation: Loop", () => {
  it("a wake during a run skips the pause after it; a wake during a pause ends it", async () => {
    let runs = 0;
    let release!: () => void;
    const loop = new Loop(
      async () => {
        runs++;
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { intervalMs: 60_000 },
    );
    loop.start();
    await sleep(10);
    expect(runs).to.equal(1);
    loop.wake(); // work arrived while the first run was busy
    release();
    await sleep(50);
    expect(runs).to.equal(2); // ran again at once, not after 60 s
    loop.wake();
    await sleep(50);
    expect(runs).to.equal(3);
    await sleep(50);
    expect(runs).to.equal(3); // and otherwise waits its interval
    await loop.stop();
  });

  it("pauses for what pauseAfter makes of a run's result, and backs off after failures", async () => {
    const at: number[] = [];
    let fail = false;
    const errors: unknown[] = [];
    const loop = new Loop(
      async () => {
        at.push(Date.now());
        if (fail) throw new Error("down");
        return at.length < 4 ? 1 : 0;
      },
      {
        intervalMs: 5_000,
        pauseAfter: (sent) => (sent === 1 ? 5 : undefined),
        onError: (error) => errors.push(error),
      },
    );
    loop.start();
    await sleep(150);
    expect(at).to.have.length(4); // three short pauses, then the 5 s interval
    fail = true;
    loop.wake();
    await sleep(150);
    expect(at).to.have.length(5);
    loop.wake(); // a wake ends a backoff pause too
    await sleep(50);
    expect(at).to.have.length(6);
    expect(errors).to.have.length(2);
    await loop.stop();
  });
});
