/**
 * `multicam record --upload`, spawned as an operator would run it: sim devices on loopback, a real
 * s3rver on loopback, credentials from the environment. Every file must end up in the bucket,
 * confirmed, and recorded in take.json — with no secret in the output or the manifest.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice, type SimDevice } from '../../sim/index';
import { startS3Server, type TestS3Server } from '../core/uploads/s3-server.testing';

const bin = resolve(import.meta.dirname, '../../bin/multicam.js');
let s3: TestS3Server;
let work: string;
const sims: SimDevice[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'multicam-record-upload-'));
});
afterAll(async () => {
  await Promise.all(sims.map((d) => d.stop().catch(() => undefined)));
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
        AWS_CONFIG_FILE: join(work, 'none'),
        AWS_PROFILE: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe('multicam record --upload', { timeout: 120_000 }, () => {
  it('records, downloads, uploads every file and records the confirmed objects in take.json', async () => {
    for (const personality of ['ios', 'android', 'spec'] as const) sims.push(await startSimDevice({ personality, stopDelayMs: 200 }));
    const out = join(work, 'takes');
    const devices = sims.flatMap((d) => ['--device', `${d.host}:${d.port}`]);
    const r = await run([
      'record',
      ...devices,
      '--delay',
      '0.5',
      '--duration',
      '1',
      '--out',
      out,
      '--name',
      'Cloud',
      '--json',
      '--upload',
      '--bucket',
      s3.bucket,
      '--endpoint',
      s3.endpoint,
      '--path-style',
      '--region',
      'us-east-1',
    ]);
    expect(r.stderr).toContain('3 of 3 uploads confirmed');
    expect(r.code).toBe(0);
    const manifest = JSON.parse(r.stdout);
    const folder = join(out, (await readdir(out))[0]!);
    const onDisk = JSON.parse(await readFile(join(folder, 'take.json'), 'utf8'));
    const client = s3.client();
    for (const d of onDisk.devices) {
      expect(d.upload?.ok).toBe(true);
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: d.upload.key }));
      expect(head.ContentLength).toBe(d.upload.bytes);
    }
    expect(manifest.devices.every((d: { upload?: { ok: boolean } }) => d.upload?.ok === true)).toBe(true);
    for (const text of [r.stdout, r.stderr, JSON.stringify(onDisk)]) {
      expect(text).not.toContain(s3.secretAccessKey);
      expect(text).not.toContain('X-Amz-Signature');
    }
  });

  it('refuses --upload without a bucket before recording anything (usage error, exit 1)', async () => {
    const r = await run(['record', '--device', '127.0.0.1:9', '--upload']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--bucket/);
  });
});
