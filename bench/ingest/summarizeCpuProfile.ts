/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a stack frame's code comes from, by its script URL; first match wins. */
const CATEGORIES: [string, RegExp][] = [
  ["@noble/curves (secp256k1)", /@noble\/curves/],
  ["@noble/hashes (keccak)", /@noble\/hashes/],
  ["@noble/ciphers + curves (confidential payloads)", /@noble\/(ciphers|curves)/],
  ["hash-wasm (keccak)", /\/hash-wasm\//],
  ["PGlite (Postgres in WASM)", /@electric-sql\/pglite/],
  // WebAssembly frames name no module: PGlite's Postgres and hash-wasm's keccak both land here.
  ["WebAssembly (PGlite, hash-wasm)", /^wasm:/],
  ["ethers (RPC, ABI)", /\/ethers\//],
  ["viem (encoding, typed data)", /\/viem\//],
  ["canonicalize (RFC 8785)", /\/canonicalize\//],
  ["Ajv", /\/ajv/],
  ["zod", /\/zod\//],
  ["hono + node-server", /\/hono\/|@hono\//],
  ["gateway code (offchain/)", /\/offchain\//],
  ["tsx / esbuild", /\/tsx\/|esbuild/],
  ["node internals (node:)", /^node:/],
];

/** Functions whose time including callees is worth a line of its own. */
const INCLUSIVE = [
  "acceptSubmissions",
  "normalizeSubmission",
  "validateSubmission",
  "verifyRecordSignature",
  "recoverPublicKey",
  "hashTypedData",
  "canonicalJson",
  "findExisting",
  "put",
  "transaction",
  "readBulkItems",
  "safeParse",
  "tick",
];

/**
 * Where a process spent its CPU: self time by origin (package or area), the top functions by self
 * time, and the inclusive time of the accept path's steps (synchronous part only: time after an
 * `await` is charged to the resumed frame, not to its caller).
 *
 * @example
 * const { text, json } = summarizeCpuProfile(JSON.parse(await readFile(file, "utf8")));
 */
export function summarizeCpuProfile(profile: CpuProfile): { text: string; json: unknown } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const idleMs = [...self]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)")
    .reduce((sum, [, ms]) => sum + ms, 0);
  const busyMs = totalMs - idleMs;

  const category = (url: string, name: string): string => {
    if (name === "(garbage collector)") return "garbage collector";
    if (name === "(program)") return "(program: native, outside JS)";
    if (name === "(idle)") return "(idle)";
    for (const [label, pattern] of CATEGORIES) if (pattern.test(url)) return label;
    return url === "" ? "(native / builtins)" : "other JS";
  };
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const cat = category(url, functionName);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + ms);
    const where = url
      ? `${url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/main\//, "")}:${lineNumber + 1}`
      : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
  }

  // Inclusive time: a sample counts once for every tracked name on its stack.
  const inclusive = new Map<string, number>(INCLUSIVE.map((n) => [n, 0]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  for (const [id, ms] of self) {
    const names = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (inclusive.has(name)) names.add(name);
    }
    for (const name of names) inclusive.set(name, inclusive.get(name)! + ms);
  }

  const pct = (ms: number) => `${((ms / busyMs) * 100).toFixed(1)}%`.padStart(6);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  const lines = [
    `gateway CPU profile: ${(busyMs / 1000).toFixed(1)} s busy of ${(totalMs / 1000).toFixed(1)} s profiled`,
    "",
    "self time by origin:",
    ...sorted(byCategory)
      .filter(([c]) => c !== "(idle)")
      .map(([c, ms]) => `  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(7)} s  ${c}`),
    "",
    "top functions by self time:",
    ...sorted(byFunction)
      .filter(([f]) => !f.startsWith("(idle)"))
      .slice(0, 20)
      .map(([f, ms]) => `  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(7)} s  ${f}`),
    "",
    "inclusive (synchronous) time of accept-path steps:",
    ...sorted(inclusive).map(
      ([f, ms]) => `  ${pct(ms)}  ${(ms / 1000).toFixed(2).padStart(7)} s  ${f}`,
    ),
  ];
  const toObject = (entries: [string, number][]) =>
    Object.fromEntries(entries.map(([k, ms]) => [k, Math.round(ms)]));
  return {
    text: lines.join("\n"),
    json: {
      busyMs: Math.round(busyMs),
      profiledMs: Math.round(totalMs),
      selfMsByOrigin: toObject(sorted(byCategory)),
      topFunctionsSelfMs: toObject(sorted(byFunction).slice(0, 30)),
      inclusiveMs: toObject(sorted(inclusive)),
    },
  };
}
