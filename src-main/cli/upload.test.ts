/**
 * `multicam upload` in-process (the lead registers the command; until then it cannot be
 * spawned) against sim devices doing real PUTs to s3rver on 127.0.0.1. Credentials come from
 * the environment, as for an operator; the EC2 metadata service is disabled.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice, type SimDevice, type SimDeviceOptions } from '../../sim/index';
import { readManifestUploads } from '../core/uploads/manifest';
import { isolateAwsEnv, startS3Server, type TestS3Server } from '../core/uploads/s3-server.testing';
import { writeFixtureTake, type FixtureDevice } from '../core/uploads/take-fixture.testing';
import { refusedPort } from '../core/device-client/servers.testing';
import { uploadCommand } from './upload';

let restoreEnv: () => void;
let s3: TestS3Server;
let work: string;
const sims: SimDevice[] = [];
const allOutput: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'multicam-cli-upload-'));
  restoreEnv = isolateAwsEnv(work); // no credentials or config files there
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
});
afterAll(async () => {
  await Promise.all(sims.map((d) => d.stop().catch(() => undefined)));
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
  restoreEnv?.();
});

async function sim(o: SimDeviceOptions): Promise<SimDevice> {
  const d = await startSimDevice(o);
  sims.push(d);
  return d;
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await uploadCommand(args, { stdout, stderr, stdin: new PassThrough() });
  allOutput.push(out, err);
  return { code, stdout: out, stderr: err };
}

let takes = 0;
async function take(devices: Array<{ d: SimDevice; file: string | null; size?: number }>): Promise<string> {
  const fixture: FixtureDevice[] = [];
  for (const { d, file, size } of devices) {
    if (file && size) await d.addFile(file, size);
    fixture.push({ deviceKey: d.name, name: `${d.personality}-${d.port}`, address: `${d.host}:${d.port}`, fileName: file, fileSize: size ?? null });
  }
  return writeFixtureTake(work, { takeId: `t${++takes}`, folderName: `take-${takes}`, devices: fixture });
}

const storageArgs = () => ['--bucket', s3.bucket, '--endpoint', s3.endpoint, '--path-style'];

describe('multicam upload', { timeout: 60_000 }, () => {
  it('uploads every file, confirms it, records it; exit 0; --json', async () => {
    const ios = await sim({ personality: 'ios' });
    const oak = await sim({ personality: 'oak' });
    const folder = await take([
      { d: ios, file: 'a.mov', size: 120_000 },
      { d: oak, file: 'video_1.zip', size: 90_000 },
    ]);
    const r = await run(['--take', folder, ...storageArgs(), '--prefix', 'cli/{take}/{device}/{file}', '--json']);
    expect(r.stderr).toContain(`2 of 2 uploads confirmed in s3://${s3.bucket}`);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.uploads.map((u: { key: string; state: string; bytes: number }) => [u.key, u.state, u.bytes])).toEqual([
      [`cli/take-${takes}/ios-${ios.port}/a.mov`, 'done', 120_000],
      [`cli/take-${takes}/oak-${oak.port}/video_1.zip`, 'done', 90_000],
    ]);
    expect(r.stderr).toMatch(new RegExp(`ios-${ios.port}: confirmed cli/take-${takes}/ios-${ios.port}/a.mov`));
    const recorded = await readManifestUploads(folder);
    expect(recorded.get(ios.name)).toMatchObject({ ok: true, bytes: 120_000, bucket: s3.bucket });

    // Running it again skips what take.json already confirms.
    const again = await run(['--take', join(folder, 'take.json'), ...storageArgs()]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already in the bucket');
  });

  it('exit 2 when any file fails (a file missing on the device, a device that stopped without a file)', async () => {
    const spec = await sim({ personality: 'spec' });
    const android = await sim({ personality: 'android' });
    const fileless = await sim({ personality: 'ios' });
    const folder = await take([
      { d: spec, file: 'ok.mp4', size: 50_000 },
      { d: android, file: 'gone.mp4' },
      { d: fileless, file: null },
    ]);
    const r = await run(['--take', folder, ...storageArgs(), '--json']);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.uploads.map((u: { state: string }) => u.state)).toEqual(['done', 'failed']);
    expect(r.stderr).toMatch(/FAILED gone\.mp4: the device refused the upload: file_not_found/);
    expect(r.stderr).toContain('1 of 2 uploads confirmed');
    expect(out.withoutFile).toEqual([fileless.name]);
    expect(r.stderr).toContain(`${fileless.name}: no file in this take`);
    expect((await readManifestUploads(folder)).get(android.name)).toMatchObject({ ok: false, confirmedAt: null });
  });

  it('a wrong bucket, an unreachable endpoint and missing credentials are one clear line each, exit 2, before any device is asked', async () => {
    const d = await sim({ personality: 'spec' });
    const folder = await take([{ d, file: 'x.mp4', size: 10_000 }]);

    const wrong = await run(['--take', folder, '--bucket', 'no-such-bucket', '--endpoint', s3.endpoint, '--path-style']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`multicam upload: bucket 'no-such-bucket' does not exist at ${s3.endpoint}\n`);

    const port = await refusedPort();
    const unreachable = await run(['--take', folder, '--bucket', s3.bucket, '--endpoint', `http://127.0.0.1:${port}`, '--path-style']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(new RegExp(`^multicam upload: cannot reach the storage endpoint http://127\\.0\\.0\\.1:${port}: ECONNREFUSED\\n$`));

    const id = process.env.AWS_ACCESS_KEY_ID;
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const nocreds = await run(['--take', folder, ...storageArgs()]);
      expect(nocreds.code).toBe(2);
      expect(nocreds.stderr).toMatch(
        /^multicam upload: no AWS credentials found: set AWS_PROFILE \/ --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
      expect(nocreds.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = id;
      process.env.AWS_SECRET_ACCESS_KEY = secret;
    }
    expect(d.received.filter((c) => c.command === 'UPLOAD_TO_CLOUD')).toEqual([]);
  });

  it('usage errors exit 1', async () => {
    expect((await run([])).code).toBe(1);
    expect((await run(['--take', work])).stderr).toContain('--bucket B is required');
    const badPrefix = await run(['--take', work, '--bucket', 'b', '--prefix', '../{file}']);
    expect([badPrefix.code, badPrefix.stderr.split('\n')[0]]).toEqual([1, 'multicam upload: --prefix: the prefix template may not contain . or .. segments']);
    const noTake = await run(['--take', join(work, 'nowhere'), '--bucket', 'b']);
    expect(noTake.code).toBe(1);
    expect(noTake.stderr).toContain('no take.json in');
    expect((await run(['--take', work, '--bucket', 'b', '--endpoint', 'ftp://x'])).code).toBe(1);
    expect((await run(['--nope'])).code).toBe(1);
    const help = await run(['--help']);
    expect([help.code, help.stdout.startsWith('usage: multicam upload')]).toEqual([0, true]);
  });

  it('no credential or signature in anything printed or recorded', async () => {
    const manifests = await Promise.all(Array.from({ length: takes }, (_, i) => readFile(join(work, `take-${i + 1}`, 'take.json'), 'utf8')));
    const text = [...allOutput, ...manifests].join('\n');
    expect(text.length).toBeGreaterThan(500);
    expect(text).not.toContain(s3.secretAccessKey);
    expect(text).not.toContain('X-Amz-Signature');
    expect(text).not.toContain('X-Amz-Credential');
    const sigs = sims.flatMap((d) =>
      d.received
        .filter((c) => c.command === 'UPLOAD_TO_CLOUD')
        .map((c) => new URL(String((c.raw as { uploadUrl: string }).uploadUrl)).searchParams.get('X-Amz-Signature')!),
    );
    expect(sigs.length).toBeGreaterThanOrEqual(3);
    for (const s of sigs) expect(text).not.toContain(s);
  });
});
