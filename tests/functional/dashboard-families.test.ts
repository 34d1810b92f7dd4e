/**
 * The dashboard's Families page in a real browser (Debian's Chromium, headless) against the real daemons:
 * a family made in the page with two versions (GIMinG images with copies in Glance zones), each version's
 * copies shown; a version promoted to a channel, another promoted over it and the channel rolled back, its
 * history in the page; a channel resolved to each cloud's own image ID; a version deprecated (asked
 * first; its Glance copy hidden) and undone; the API's own words when it refuses. Every families call asks
 * for microversion 1.2 or later. The task feed shows a copy's own bandwidth cap (1.4).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page, Request } from 'playwright-core';
import {
  SCREENSHOT_DIR,
  assertAccessible,
  launchChromium,
  logInAs,
  type PageProblems,
  screenshot,
  watchedPage,
} from '../support/browser';
import { waitForTasks } from '../support/flows';
import { http } from '../support/http';
import { useStack } from '../support/stack';

const V12 = { 'OpenStack-API-Version': 'image-manager 1.2' };
const V14 = { 'OpenStack-API-Version': 'image-manager 1.4' };
/** 1 MiB/s: the cap of the first version's copy, as the task feed says it. */
const CAP = 1048576;

describe("the dashboard's families (Chromium)", function () {
  this.timeout(90000);
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  const familyCalls: Request[] = [];
  const family = `fam-${Date.now().toString(36)}`;
  const images: Array<{ id: string; glanceId: string }> = [];

  // Registered before the stack, so it runs while the daemons are still up (after hooks run in order).
  after(async function () {
    this.timeout(120000);
    for (const { id } of images) await asDemo('DELETE', `/images/${id}?delete_remote=true`);
    for (const { id } of images) await waitForTasks(stack.api, stack.demo.id, id, 60000).catch(() => []);
  });

  const stack = useStack({ extraConfig: '[conductor]\nrefresh_interval = 0\n' });
  const api = (path: string) => `${stack.api}/v1${path}`;
  const asDemo = (method: string, path: string, json?: unknown, headers = V12) =>
    http(method, api(path), { token: stack.demo.id, headers, ...(json !== undefined ? { json } : {}) });

  /** A GIMinG image adopted from zone-a's Glance, copied to `targets`; waits for its copies. */
  async function adopt(targets: string[], extra: Record<string, unknown> = {}) {
    const { image } = await stack.cloud('zone-a').createWithData(64 * 1024, {
      disk_format: 'raw',
      container_format: 'bare',
    });
    const res = await asDemo(
      'POST',
      '/images',
      { source: { cloud: 'zone-a', image_id: image.id }, targets, ...extra },
      V14,
    );
    assert.equal(res.status, 202, res.text);
    const tasks = await waitForTasks(stack.api, stack.demo.id, res.body.id);
    assert.ok(
      tasks.every((t) => t.status === 'succeeded'),
      JSON.stringify(tasks.map((t) => t.error)),
    );
    images.push({ id: res.body.id, glanceId: image.id });
  }

  const versionRow = (seq: number) => page.locator(`tr[data-version="${seq}"]`);
  const channelRow = (name: string) => page.locator(`tr[data-channel="${name}"]`);
  const pointsAt = (name: string) => channelRow(name).locator('td').first();

  before(async function () {
    this.timeout(180000);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await adopt(['zone-b'], { max_bandwidth: CAP });
    await adopt(['zone-b']);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await watchedPage(context));
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/families')) familyCalls.push(r);
    });
  });

  after(async function () {
    this.timeout(60000);
    await browser?.close();
  });

  afterEach(() => {
    assert.deepEqual(problems.errors, [], 'no script error or CSP violation in the page');
    assert.deepEqual(problems.dialogs, [], 'no alert() ran');
  });

  it('makes a family in the page and adds two versions, each with its copies', async () => {
    await page.goto(`${stack.api}/dashboard/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.ok(await logInAs(page, stack.bed.users.demo));
    await page.click('nav[aria-label="Pages"] a[href="#/families"]');
    await page.getByRole('heading', { name: 'Families', level: 1 }).waitFor();
    await page.getByText('No family yet.').waitFor();

    await page.getByLabel('Name', { exact: true }).fill(family);
    await page.getByLabel('Description', { exact: true }).fill('Two builds');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: family, level: 2 }).waitFor();
    for (const [i, label] of ['build-1', 'build-2'].entries()) {
      await page.getByLabel('Image ID', { exact: true }).fill(images[i]!.id);
      await page.getByLabel('Label', { exact: true }).fill(label);
      await page.getByRole('button', { name: 'Add version' }).click();
      await versionRow(i + 1).waitFor();
    }
    // Where each version has copies, and its lifecycle.
    const first = versionRow(1);
    await first.getByText('zone-b: active').waitFor();
    await first.getByText('zone-a: active').waitFor();
    await versionRow(2).getByText('zone-b: active').waitFor();
    assert.equal(await first.locator('.chip').innerText(), 'active');
    assert.equal(await versionRow(2).locator('th').innerText(), '2 (build-2)');
    // latest follows the newest version.
    await pointsAt('latest').getByText('2 (build-2)').waitFor();
    const shown = await asDemo('GET', `/families/${family}`);
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(
      shown.body.versions.map((v: any) => [v.sequence, v.label, v.image_id]),
      [
        [1, 'build-1', images[0]!.id],
        [2, 'build-2', images[1]!.id],
      ],
    );
    await assertAccessible(page, 'the families page');
  });

  it("promotes, promotes over it, rolls back, and shows the channel's history", async () => {
    const promote = async (channel: string, version: string) => {
      await page.getByLabel('Channel', { exact: true }).fill(channel);
      await page.locator('select[name=version]').selectOption(version);
      await page.getByRole('button', { name: 'Promote' }).click();
    };
    await promote('stable', '1');
    await pointsAt('stable').getByText('1 (build-1)').waitFor();
    await promote('stable', '2');
    await pointsAt('stable').getByText('2 (build-2)').waitFor();
    await versionRow(2)
      .getByText(/stable/)
      .waitFor();
    await page.getByRole('button', { name: 'Roll stable back' }).click();
    await pointsAt('stable').getByText('1 (build-1)').waitFor();
    const api1 = await asDemo('GET', `/families/${family}/channels`);
    assert.equal(api1.body.channels.find((c: any) => c.name === 'stable').version, 1);

    await channelRow('stable').getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('list', { name: 'History of stable' });
    await history.waitFor();
    const lines = (await history.locator('li strong').allInnerTexts()).sort();
    assert.deepEqual(lines, ['promoted to 1', 'promoted to 2, from 1', 'rolled back to 1, from 2']);
    await screenshot(page, 'families-history');
    await page.getByRole('button', { name: 'Close' }).click();
    await history.waitFor({ state: 'detached' });
  });

  it("resolves a channel to each cloud's own image ID", async () => {
    await channelRow('stable').getByRole('button', { name: 'Resolve' }).click();
    const table = page.getByRole('table', { name: 'stable resolved' });
    await table.waitFor();
    const image = await asDemo('GET', `/images/${images[0]!.id}`);
    for (const l of image.body.locations as Array<{ cloud: string; image_id: string }>) {
      const row = table.locator('tr', { hasText: l.cloud });
      assert.equal(await row.locator('td.mono').innerText(), l.image_id, l.cloud);
    }
    assert.equal(await table.locator('tbody tr').count(), 2);
    await page.getByRole('button', { name: 'Close' }).click();
    await table.waitFor({ state: 'detached' });
  });

  it('deprecates a version after asking, in the page and in Glance, and undoes it', async () => {
    await page.getByRole('button', { name: 'Deprecate version 1 (build-1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deprecate version 1 (build-1)?' });
    await dialog.getByText(`Deprecate version 1 (build-1) of ${family}?`, { exact: false }).waitFor();
    // Going back changes nothing.
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await versionRow(1).locator('.chip').innerText(), 'active');

    await page.getByRole('button', { name: 'Deprecate version 1 (build-1)' }).click();
    await dialog.getByRole('button', { name: 'Deprecate', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await versionRow(1).locator('.chip', { hasText: 'deprecated' }).waitFor();
    await screenshot(page, 'families');
    const glance = stack.glance('zone-a');
    assert.equal((await glance.get(images[0]!.glanceId))?.os_hidden, true, 'hidden in Glance');
    const versions = await asDemo('GET', `/families/${family}/versions`);
    assert.equal(versions.body.versions[0].lifecycle, 'deprecated');

    await page.getByRole('button', { name: 'Undo version 1 (build-1)' }).click();
    const undo = page.getByRole('dialog', { name: 'Undo version 1 (build-1)?' });
    await undo.getByRole('button', { name: 'Undo', exact: true }).click();
    await versionRow(1).locator('.chip', { hasText: 'active' }).waitFor();
    assert.equal((await glance.get(images[0]!.glanceId))?.os_hidden, false, 'shown again in Glance');
  });

  it("says the API's own words when it refuses, and asks for 1.2 or later every time", async () => {
    const refused = await asDemo('PUT', `/families/${family}/channels/latest`, { version: '1' });
    assert.equal(refused.status, 409, refused.text);
    await page.getByLabel('Channel', { exact: true }).fill('latest');
    await page.locator('select[name=version]').selectOption('1');
    await page.getByRole('button', { name: 'Promote' }).click();
    await page.getByRole('alert').getByText(refused.body.error.message, { exact: true }).waitFor();
    await pointsAt('latest').getByText('2 (build-2)').waitFor();
    // The browser logs the refused call as a failed resource: that one was expected.
    const logged = problems.errors.filter((e) => /status of 409/.test(e));
    assert.equal(logged.length, 1, JSON.stringify(problems.errors));
    problems.errors.splice(problems.errors.indexOf(logged[0]!), 1);

    assert.ok(familyCalls.length >= 10, `${familyCalls.length} calls`);
    for (const r of familyCalls) {
      const asked = /^image-manager (\d+)\.(\d+)$/.exec(r.headers()['openstack-api-version'] ?? '');
      assert.ok(asked, `${r.method()} ${r.url()}: ${r.headers()['openstack-api-version']}`);
      assert.ok(Number(asked[1]) === 1 && Number(asked[2]) >= 2, `${r.method()} ${r.url()}`);
    }
  });

  it("shows a copy's own bandwidth cap in the task feed", async () => {
    await page.click('nav[aria-label="Pages"] a[href="#/tasks"]');
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    const capped = page.locator('.event', { hasText: 'copy to zone-b' });
    await capped.getByText('capped at 1.05 MB/s (1048576 bytes/s)').waitFor();
    // The second version's copy was not capped: its task says none.
    assert.equal(await page.getByText('capped at').count(), 1);
    const task = await asDemo('GET', `/tasks?image_id=${images[0]!.id}`, undefined, V14);
    assert.equal(task.body.tasks[0].max_bandwidth, CAP);
  });
});
