import { FormatError } from '../errors.js';
import { RandomAccessFile } from '../io/random-access-file.js';
import type { Parameter } from '../model/parameter.js';
import { describeHead, detectFormat, SNIFF_BYTES, type FormatName } from './detect.js';
import { irpaParameters, readIrpaArchives } from './irpa.js';

export interface OpenedSource {
  path: string;
  format: FormatName;
  parameters: Parameter[];
}

type Reader = (file: RandomAccessFile, scope: string) => Promise<Parameter[]>;

const readers: Partial<Record<FormatName, Reader>> = {
  irpa: async (file, scope) => irpaParameters(file.path, await readIrpaArchives(file), scope),
};

/** Opens a parameter file of any supported format and lists its parameters in file order. */
export async function openSource(path: string, scope = ''): Promise<OpenedSource> {
  const file = await RandomAccessFile.open(path);
  try {
    const head = await file.read(0, Math.min(SNIFF_BYTES, file.size), 'file header');
    const format = detectFormat(head);
    if (format === undefined) throw new FormatError(path, 0, describeHead(head));
    const reader = readers[format];
    if (!reader) throw new FormatError(path, 0, `${format} files cannot be read by this version of paramflow`);
    return { path, format, parameters: await reader(file, scope) };
  } finally {
    await file.close();
  }
}
