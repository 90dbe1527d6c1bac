/** Constants of the MAT v5 format (MathWorks, "MAT-File Format", R2024a, chapter 1). */

export const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

export const MX = {
  CELL: 1, STRUCT: 2, OBJECT: 3, CHAR: 4, SPARSE: 5, DOUBLE: 6, SINGLE: 7, INT8: 8, UINT8: 9,
  INT16: 10, UINT16: 11, INT32: 12, UINT32: 13, INT64: 14, UINT64: 15, FUNCTION: 16, OPAQUE: 17,
} as const;

/** Array-flags bits (the byte above the class byte). */
export const FLAG_COMPLEX = 0x08;
export const FLAG_GLOBAL = 0x04;
export const FLAG_LOGICAL = 0x02;

export const MX_NUMERIC_CLASS: Record<number, 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32',
  14: 'int64', 15: 'uint64',
};

export const MX_CLASS_NAME: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 16: 'function_handle', 17: 'opaque (MCOS object)',
};

/** Bytes per element of each numeric data type. */
export const MI_SIZE: Record<number, number> = {
  1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4,
};

export const HEADER_BYTES = 128;
