import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileCache } from '../../src/io/inputs/file-cache.js';

/** The repository root (tests run compiled from dist/test/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Files made by IREE's and other tools, kept beside the repository. */
export const sharedDir = process.env.PARAMFLOW_SHARED ?? resolve(repoRoot, '../shared');
export const vectorsDir = join(sharedDir, 'vectors');
export const hasVectors = existsSync(join(vectorsDir, 'MANIFEST.tsv'));

export const cliPath = join(repoRoot, 'bin/paramflow.js');

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'paramflow-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const { dir, cleanup } = await tempDir();
  try {
    return await fn(dir);
  } finally {
    await cleanup();
  }
}

/** Runs `fn` with `bytes` written to a file named `name` in a fresh temporary directory. */
export function withTempFile<T>(name: string, bytes: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  return inTempDir(async (dir) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return fn(path);
  });
}

/** Like inTempDir, with a file cache that is closed before the directory goes. */
export async function inTempDirWithFiles<T>(fn: (dir: string, files: FileCache) => Promise<T>): Promise<T> {
  return inTempDir(async (dir) => {
    const files = new FileCache();
    try {
      return await fn(dir, files);
    } finally {
      await files.closeAll();
    }
  });
}
