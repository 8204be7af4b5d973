/**
 * Devices as the operator sees them: cards for manual devices and virtual cameras, their state,
 * type and battery; adding a device by address with inline errors.
 */
import { expect, openCardMenu, test } from './fixtures/controller';

const devices = (page: import('@playwright/test').Page) => page.getByRole('region', { name: 'Devices' });

test.describe('manual devices', () => {
  test.use({
    mcOptions: {
      simDevices: [
        { personality: 'ios', battery: 73 },
        { personality: 'android', battery: 41 },
      ],
    },
  });

  test('two manual devices show as cards: online, type, battery; a battery change reaches the card', async ({ mc, page }) => {
    await mc.open();
    const [ios, android] = mc.sims as [(typeof mc.sims)[0], (typeof mc.sims)[0]];
    const iosCard = devices(page).getByRole('article', { name: mc.nameOf(ios) });
    const androidCard = devices(page).getByRole('article', { name: mc.nameOf(android) });
    await expect(devices(page).getByRole('article')).toHaveCount(2);
    await expect(iosCard.getByText('Online', { exact: true })).toBeVisible();
    await expect(androidCard.getByText('Online', { exact: true })).toBeVisible();
    // The device type is on demand, in the card's menu.
    await openCardMenu(page, mc.nameOf(ios));
    await expect(iosCard.getByText('iOS:iPhone')).toBeVisible();
    await page.keyboard.press('Escape');
    await openCardMenu(page, mc.nameOf(android));
    await expect(androidCard.getByText('Android:Quest')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(iosCard.getByText('Battery 73%')).toBeVisible();
    await expect(androidCard.getByText('Battery 41%')).toBeVisible();
    await expect(devices(page).getByRole('heading', { name: /Devices/ })).toContainText('2 · 2 in next take');

    // Live: the device reports a low battery → the warning appears on that card only.
    android.setBattery(12);
    await expect(androidCard.getByText('⚠ Battery low 12%')).toBeVisible();
    await expect(iosCard.getByText('Battery 73%')).toBeVisible();
  });
});

test('"Add 4 virtual cameras" from the empty state gives four online cards named after the cameras', async ({ mc, page }) => {
  await mc.open();
  await expect(page.getByRole('heading', { name: 'No devices yet' })).toBeVisible();
  await page.getByRole('button', { name: 'Add 4 virtual cameras' }).click();
  await expect(devices(page).getByRole('article')).toHaveCount(4);
  const snap = await mc.controller.getSnapshot();
  if (!snap.ok) throw new Error(snap.error.message);
  const names = snap.value.devices.map((d) => d.name);
  expect(names).toHaveLength(4);
  for (const name of names) {
    const card = devices(page).getByRole('article', { name });
    await expect(card.getByText('Online', { exact: true })).toBeVisible();
    await expect(card.getByText(/^Battery (\d+%|—)$/)).toBeVisible();
  }
  // mixed personalities: every type shows up on some card (in its menu)
  const types: string[] = [];
  for (const name of names) {
    await openCardMenu(page, name);
    types.push((await devices(page).getByRole('article', { name }).locator('.more-facts dd').first().textContent()) ?? '');
    await page.keyboard.press('Escape');
  }
  expect(types.sort()).toEqual(['Android:Quest', 'Oak', 'Spec', 'iOS:iPhone']);
  await expect(page.getByRole('heading', { name: 'No devices yet' })).toHaveCount(0);
});

test('Add device by address: invalid input is refused inline; a real address adds a card that goes online', async ({ mc, page }) => {
  await mc.open();
  const sim = await mc.startSim({ personality: 'spec', battery: 88 });
  const input = page.getByRole('textbox', { name: 'Device address' });
  const add = page.getByRole('button', { name: 'Add device' });

  await input.fill('not an address');
  await add.click();
  await expect(page.getByRole('alert').filter({ hasText: 'An address cannot contain spaces.' })).toBeVisible();
  await expect(input).toHaveAttribute('aria-invalid', 'true');

  await input.fill('192.168.1.300:8080');
  await add.click();
  await expect(page.getByRole('alert').filter({ hasText: '"192.168.1.300" is not an IP address or host name.' })).toBeVisible();

  await input.fill('127.0.0.1:70000');
  await add.click();
  await expect(page.getByRole('alert').filter({ hasText: 'The port must be a number from 1 to 65535.' })).toBeVisible();
  await expect(devices(page)).toHaveCount(0);

  await input.fill(mc.addressOf(sim));
  await add.click();
  await expect(page.getByRole('status').filter({ hasText: `Added ${mc.addressOf(sim)} — answering as ${mc.nameOf(sim)}.` })).toBeVisible();
  await expect(input).toHaveValue('');
  // A device added by address takes the name it reports.
  const card = devices(page).getByRole('article', { name: mc.nameOf(sim) });
  await expect(card.getByText('Online', { exact: true })).toBeVisible();
  await openCardMenu(page, mc.nameOf(sim));
  await expect(card.getByText('Spec', { exact: true })).toBeVisible();
  await expect(card.getByText('Battery 88%')).toBeVisible();

  // The same address again is refused, saying which card it already is.
  await input.fill(mc.addressOf(sim));
  await add.click();
  await expect(page.getByRole('alert').filter({ hasText: `${mc.addressOf(sim)} is already in the list as ${mc.nameOf(sim)}.` })).toBeVisible();
  await expect(devices(page).getByRole('article')).toHaveCount(1);
});
