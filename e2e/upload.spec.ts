/**
 * Cloud upload from the UI against a real S3-compatible store (s3rver on loopback): storage set in
 * the settings dialog, Test connection, a take recorded, "Upload take" → the files land in the
 * bucket, and each file shows Uploaded in the takes panel with its key.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Page } from '@playwright/test';
import { expect, expectCardsRolling, stopTake, test, type McEnv } from './fixtures/controller';

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Settings' });

/** Storage configured and tested in the dialog, a take recorded and downloaded, "Upload take" clicked. */
async function recordAndUpload(mc: McEnv, page: Page) {
  const s3 = mc.s3!;
  await mc.open();
  const names = mc.sims.map(mc.nameOf);
  for (const n of names) await expect(page.getByRole('article', { name: n }).getByText('Online', { exact: true })).toBeVisible();

  // A wrong bucket first: the test fails loudly, in the dialog.
  await page.getByRole('button', { name: 'Settings' }).click();
  const d = dialog(page);
  await d.getByLabel('Bucket').fill('no-such-bucket');
  await d.getByLabel('Region').fill('us-east-1');
  await d.getByLabel('Endpoint').fill(s3.endpoint);
  await d.getByLabel('Key prefix template').fill('{take}/{device}/{file}');
  await d.getByText('Path-style URLs').click();
  await expect(d.getByRole('checkbox', { name: 'Path-style URLs' })).toBeChecked();
  await d.getByRole('button', { name: 'Test connection' }).click();
  await expect(d.getByRole('alert').filter({ hasText: 'Storage test failed' })).toBeVisible();

  await d.getByLabel('Bucket').fill(s3.bucket);
  await d.getByRole('button', { name: 'Test connection' }).click();
  await expect(d.getByRole('status')).toContainText(s3.bucket);
  await expect(d.getByRole('alert')).toHaveCount(0);
  await d.getByRole('button', { name: 'Save settings' }).click();
  await expect(d).toHaveCount(0);

  const rec = page.getByRole('region', { name: 'Recording' });
  await rec.getByLabel('Next take').fill('Upload me 1');
  await rec.getByRole('button', { name: 'Record' }).click();
  await expectCardsRolling(page, names);
  await stopTake(page);
  const take = page.getByRole('region', { name: 'Takes' }).getByRole('article', { name: 'Upload me 1' });
  await expect(take.locator('.phase')).toHaveText(/^Done — \d+ files?$/, { timeout: 60_000 });
  await take.getByRole('button', { name: 'Upload take' }).click();
  await expect(take.getByRole('button', { name: 'Upload take' })).toBeEnabled();
  await expect(take.getByRole('alert')).toHaveCount(0);
  return { take, names };
}

async function bucketKeys(mc: McEnv): Promise<string[]> {
  const client = mc.s3!.client();
  try {
    const r = await client.send(new ListObjectsV2Command({ Bucket: mc.s3!.bucket }));
    return (r.Contents ?? []).map((o) => o.Key ?? '').sort();
  } finally {
    client.destroy();
  }
}

test.describe('cloud upload', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }, { personality: 'ios' }], withUploads: true } });

  test('storage set and tested in the dialog; "Upload take" puts every file of the take in the bucket', async ({ mc, page }) => {
    const { names } = await recordAndUpload(mc, page);
    await expect.poll(() => bucketKeys(mc), { timeout: 60_000 }).toHaveLength(names.length);
    const keys = await bucketKeys(mc);
    for (const n of names)
      expect(
        keys.some((k) => /_Upload-me-1\//.test(k) && k.includes(`/${n.replace(':', '-')}/`)),
        `a key for ${n} in ${keys.join(', ')}`,
      ).toBe(true);
  });

  // Was broken until 971d198 (TakeView.devices[].uploadId never set, so the panel showed nothing).
  test('"Upload take" shows per-file upload progress in the takes panel until Uploaded', async ({ mc, page }) => {
    const { take, names } = await recordAndUpload(mc, page);
    const uploaded = take.locator('.upload-row').filter({ hasText: '☁ Uploaded' });
    await expect(uploaded).toHaveCount(names.length, { timeout: 60_000 });
    await expect(take.getByText(/Upload failed/)).toHaveCount(0);
    const shown = (await uploaded.locator('.mono').allTextContents()).map((k) => k.trim()).sort();
    expect(shown).toEqual(await bucketKeys(mc));
  });
});
