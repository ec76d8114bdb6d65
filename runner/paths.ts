// Where things live, relative to the project root (this file is runner/paths.ts, or dist/runner/paths.js).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures-c'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('sudcheck: cannot find the project root (package.json next to fixtures-c/)');
}

export const ROOT = findRoot();
export const BUILD_DIR = resolve(ROOT, 'build');
export const DEFAULT_REPORTS_DIR = resolve(ROOT, 'reports');
export const fixtureBinary = (name: string, variant: 'bin' | 'static' = 'bin') => join(BUILD_DIR, variant, name);
export const testHelperBinary = (name: string) => join(BUILD_DIR, 'test', name);
