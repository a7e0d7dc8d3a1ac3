/** Facts of `iree/schemas/parameter_archive.h` (all little-endian, packed). */

export const IRPA_MAGIC = 0x41505249; // "IRPA"
export const HEADER_SIZE = 88;
export const HEADER_ALIGNMENT = 16;
export const ENTRY_ALIGNMENT = 16;
export const DEFAULT_DATA_ALIGNMENT = 64;
export const DEFAULT_FILE_ALIGNMENT = 4096;

export const ENTRY_HEADER_SIZE = 60;
export const SPLAT_ENTRY_SIZE = 85;
export const DATA_ENTRY_SIZE = 76;
export const EXTERNAL_ENTRY_SIZE = 92;
export const MAX_SPLAT_PATTERN = 16;

export enum EntryType {
  Skip = 0,
  Splat = 1,
  Data = 2,
  External = 3,
}

/** The smallest entry_size each type may declare. */
export const MIN_ENTRY_SIZE: Record<EntryType, number> = {
  [EntryType.Skip]: ENTRY_HEADER_SIZE,
  [EntryType.Splat]: SPLAT_ENTRY_SIZE,
  [EntryType.Data]: DATA_ENTRY_SIZE,
  [EntryType.External]: EXTERNAL_ENTRY_SIZE,
};

/**
 * Caps on what a header may make the reader load. Entry tables and metadata
 * segments of real archives are a few MiB at most; anything past these is
 * refused before a byte is allocated for it.
 */
export const MAX_ENTRY_SEGMENT_BYTES = 256 * 1024 * 1024;
export const MAX_METADATA_SEGMENT_BYTES = 256 * 1024 * 1024;
export const MAX_CHAINED_ARCHIVES = 65536;

export const VALID_PATTERN_LENGTHS = [1, 2, 4, 8, 16];
