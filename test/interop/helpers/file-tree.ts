/**
 * A generated tree of files for sync tests, and a digest of a tree on disk. The names are what
 * breaks naive path handling: spaces, `%` (with and without hex digits after it, `%2F` included),
 * reserved URL characters, unicode in NFC, deep nesting. Contents are random, so a file mixed
 * up with another never hashes the same. Digests stream the files (one is over 100 MB).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const folders = [
  '',
  'folder with spaces/',
  'deep/er/and deeper/still/',
  'été/sous-dossier à côté/',
  '日本/写真 2024/',
  '100% done/',
  'percent %41 and %2F/',
  'reserved #hash & plus+;semi=eq/',
  'emoji 📷/',
];
const stems = ['photo', 'IMG 0001', 'naïve café', '50% off', '%zz literal', 'résumé', 'データ', 'a+b=c', 'plain'];

/** Writes `count` small files plus, when `bigBytes > 0`, one big file; resolves to the relative names. */
export async function writeFileTree(root: string, count: number, bigBytes: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const folder = folders[i % folders.length] as string;
    const stem = stems[Math.floor(i / folders.length) % stems.length] as string;
    const name = `${folder}${stem} ${i}.dat`;
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), randomBytes(i % 50 === 0 ? 0 : 1 + ((i * 7919) % 24_000)));
    names.push(name);
  }
  if (bigBytes > 0) {
    const name = 'videos/big movie 🎬.bin';
    await mkdir(join(root, 'videos'), { recursive: true });
    // Written in 8 MiB chunks so the test never holds the whole file in memory.
    const chunk = randomBytes(8 * 1024 * 1024);
    const file = await open(join(root, name), 'w');
    try {
      for (let left = bigBytes, round = 0; left > 0; round++) {
        const part = chunk.subarray(0, Math.min(left, chunk.length));
        part.writeUInt32BE(round, 0); // no two chunks alike
        await file.write(part);
        left -= part.length;
      }
    } finally {
      await file.close();
    }
    names.push(name);
  }
  return names;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under root as `relative path -> sha256`, sorted by path. */
export async function digestTree(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const digests: [string, string][] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    digests.push([path.slice(root.length + 1), await sha256File(path)]);
  }
  return Object.fromEntries(digests.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
