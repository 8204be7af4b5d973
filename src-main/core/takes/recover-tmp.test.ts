import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settleInterruptedParts } from './recover';
import type { TakeManifest } from './schema';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('recovery after a crash', () => {
  it('removes manifest temp files a dead writer left, never a live writer’s or take.json', async () => {
    dir = await mkdtemp(join(tmpdir(), 'recover-tmp-'));
    const dead = `.take.json.${process.pid + 1_000_000}.deadbeef.tmp`;
    const live = `.take.json.${process.pid}.0a0b0c0d.tmp`;
    for (const n of [dead, live, 'take.json', 'notes.tmp']) await writeFile(join(dir, n), '{}');
    await settleInterruptedParts({ devices: [] } as unknown as TakeManifest, dir);
    expect((await readdir(dir)).sort()).toEqual([live, 'notes.tmp', 'take.json'].sort());
  });
});
