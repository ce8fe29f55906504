// Numeric values of the Solidity enums in contracts/types/DataLedgerTypes.sol, in declaration order.

export const SourceStatus = { None: 0, Active: 1, Suspended: 2, Revoked: 3 } as const;

export const FormatStatus = { None: 0, Active: 1, Deprecated: 2 } as const;

export const RecordStatus = { None: 0, Active: 1, Superseded: 2, Revoked: 3 } as const;

export const DataBlockStatus = { None: 0, Anchored: 1, Disputed: 2 } as const;

export const DisputeReason = {
  InvalidSignature: 0,
  InactiveSource: 1,
  ExpiredSignature: 2,
  UnknownFormat: 3,
  DeprecatedFormat: 4,
  FormatNotAllowed: 5,
  OutsideSampledRange: 6,
  DuplicateRecord: 7,
  StaleEpoch: 8,
  WrongCount: 9,
  UniqueDataHashFormat: 10,
} as const;
