const recordInput = {
  name: "record",
  type: "tuple",
  components: [
    { name: "dataHash", type: "bytes32" },
    { name: "formatId", type: "bytes32" },
    { name: "metadataHash", type: "bytes32" },
    { name: "sampledAt", type: "uint48" },
    { name: "uri", type: "string" },
  ],
} as const;

const signedOperation = {
  name: "operation",
  type: "tuple",
  components: [
    { name: "source", type: "address" },
    recordInput,
    { name: "deadline", type: "uint48" },
    { name: "epoch", type: "uint32" },
    { name: "signature", type: "bytes" },
  ],
} as const;

/**
 * The read-only part of the DataLedger ABI the SDK calls, written out `as const` so viem infers
 * argument and result types, and so a browser bundle needs no Hardhat artifact. A test holds it
 * equal to the compiled contract's ABI.
 *
 * @example
 * const block = await publicClient.readContract({
 *   address: ledger, abi: ledgerAbi, functionName: "getDataBlock", args: [blockId],
 * });
 */
export const ledgerAbi = [
  {
    type: "function",
    name: "getRecord",
    stateMutability: "view",
    inputs: [{ name: "recordId", type: "bytes32" }],
    outputs: [
      {
        name: "view_",
        type: "tuple",
        components: [
          { name: "recordId", type: "bytes32" },
          { name: "sourceId", type: "uint64" },
          { name: "formatId", type: "bytes32" },
          { name: "sampledAt", type: "uint48" },
          { name: "recordedAt", type: "uint48" },
          { name: "status", type: "uint8" },
          { name: "revocationReason", type: "uint16" },
          { name: "revokedByOperator", type: "bool" },
          { name: "replaces", type: "bytes32" },
          { name: "supersededBy", type: "bytes32" },
        ],
      },
    ],
  },
  {
    type: "function",
    name: "getDataBlock",
    stateMutability: "view",
    inputs: [{ name: "blockId", type: "bytes32" }],
    outputs: [
      {
        name: "view_",
        type: "tuple",
        components: [
          { name: "blockId", type: "bytes32" },
          { name: "gateway", type: "address" },
          { name: "count", type: "uint32" },
          { name: "firstSampledAt", type: "uint48" },
          { name: "lastSampledAt", type: "uint48" },
          { name: "anchoredAt", type: "uint48" },
          { name: "chainId", type: "uint256" },
          { name: "status", type: "uint8" },
        ],
      },
    ],
  },
  {
    type: "function",
    name: "recordIdOf",
    stateMutability: "pure",
    inputs: [
      { name: "source", type: "address" },
      { name: "dataHash", type: "bytes32" },
      { name: "sampledAt", type: "uint48" },
    ],
    outputs: [{ name: "", type: "bytes32" }],
  },
  {
    type: "function",
    name: "dataHashHolder",
    stateMutability: "view",
    inputs: [{ name: "dataHash", type: "bytes32" }],
    outputs: [{ name: "", type: "bytes32" }],
  },
  {
    type: "function",
    name: "sourceIdOf",
    stateMutability: "view",
    inputs: [{ name: "key", type: "address" }],
    outputs: [{ name: "", type: "uint64" }],
  },
  {
    type: "function",
    name: "getSource",
    stateMutability: "view",
    inputs: [{ name: "sourceId", type: "uint64" }],
    outputs: [
      {
        name: "",
        type: "tuple",
        components: [
          { name: "signer", type: "address" },
          { name: "status", type: "uint8" },
          { name: "registeredAt", type: "uint48" },
          { name: "epoch", type: "uint32" },
          { name: "owner", type: "address" },
          { name: "metadataHash", type: "bytes32" },
          { name: "metadataURI", type: "string" },
        ],
      },
    ],
  },
  {
    type: "function",
    name: "dataBlockJudge",
    stateMutability: "view",
    inputs: [],
    outputs: [{ name: "", type: "address" }],
  },
  {
    type: "function",
    name: "isOperationDisputed",
    stateMutability: "view",
    inputs: [
      { name: "blockId", type: "bytes32" },
      { name: "leaf", type: "bytes32" },
    ],
    outputs: [{ name: "", type: "bool" }],
  },
  {
    type: "function",
    name: "hashRecord",
    stateMutability: "view",
    inputs: [recordInput, { name: "deadline", type: "uint48" }, { name: "epoch", type: "uint32" }],
    outputs: [{ name: "", type: "bytes32" }],
  },
] as const;

/**
 * The part of the DataBlockJudge ABI the SDK calls (the ledger names its judge with
 * `dataBlockJudge`); a test holds it equal to the compiled contract's ABI.
 */
export const judgeAbi = [
  {
    type: "function",
    name: "verifyInclusion",
    stateMutability: "view",
    inputs: [
      { name: "blockId", type: "bytes32" },
      signedOperation,
      { name: "index", type: "uint256" },
      { name: "proof", type: "bytes32[]" },
    ],
    outputs: [{ name: "", type: "bool" }],
  },
  {
    type: "function",
    name: "verdict",
    stateMutability: "view",
    inputs: [{ name: "blockId", type: "bytes32" }, signedOperation],
    outputs: [
      { name: "valid", type: "bool" },
      { name: "reason", type: "uint8" },
    ],
  },
  {
    type: "function",
    name: "leafHash",
    stateMutability: "pure",
    inputs: [{ name: "gateway", type: "address" }, signedOperation],
    outputs: [{ name: "", type: "bytes32" }],
  },
] as const;

/** Names of `DisputeReason` in contracts/types/DataLedgerTypes.sol, by value. */
export const disputeReasons = [
  "InvalidSignature",
  "InactiveSource",
  "ExpiredSignature",
  "UnknownFormat",
  "DeprecatedFormat",
  "FormatNotAllowed",
  "OutsideSampledRange",
  "DuplicateRecord",
  "StaleEpoch",
  "WrongCount",
  "UniqueDataHashFormat",
] as const;

/** Numeric values of `DataBlockStatus` in contracts/types/DataLedgerTypes.sol. */
export const dataBlockStatus = { None: 0, Anchored: 1, Disputed: 2 } as const;

/** Numeric values of `RecordStatus` in contracts/types/DataLedgerTypes.sol. */
export const recordStatus = { None: 0, Active: 1, Superseded: 2, Revoked: 3 } as const;
