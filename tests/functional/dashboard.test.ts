/**
 * The web dashboard in a real browser (Debian's Chromium, headless) against the real daemons: log in,
 * upload into two clouds, tick a third (a project cloud with session-only credentials) and Save, untick
 * and Save, a refused Save, cancel a task, an expired token, keyboard-only use, an image name that is
 * markup, the security headers and axe-core on every page (dashboard-scale.test.ts: 10,000 images).
 * Then, on a stack whose zone-b agents reach the EC2 and the GCE stand-ins: a project's GCE cloud added
 * through the form (its fields checked in the page by the server's rules, its service-account key read
 * from the key file, for the session only), and a matrix of Glance, EC2 and GCE columns, each saying its
 * kind, into which an image is copied by ticking and saving; a GCE copy deleted behind GIMinG's back
 * shows as missing.
 * The screenshots of doc/source/user/dashboard.rst are taken here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  SCREENSHOT_DIR,
  assertAccessible,
  launchChromium,
  logInAs,
  type PageProblems,
  screenshot,
  watchedPage,
} from '../support/browser';
import { AwsStandin } from '../support/aws-standin';
import type { DaemonSet } from '../support/daemons';
import { location } from '../support/flows';
import { GceStandin } from '../support/gce-standin';
import { http as call, waitFor } from '../support/http';
import { rawRequest } from '../support/raw-http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

/** Serves endless-looking image data slowly: an import from it runs long enough to be cancelled. */
function slowServer(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 64 * 1024 * 1024 });
    const chunk = randomBytes(32 * 1024);
    const timer = setInterval(() => res.write(chunk), 250);
    const stop = () => clearInterval(timer);
    req.on('close', stop);
    res.on('close', stop);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.2', () => resolve(server)));
}

describe('the web dashboard (Chromium)', function () {
  this.timeout(90000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let demo: Token;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;
  let slow: http.Server;
  let work: string;
  let clouds: Record<string, string>;
  const name = `dash-${randomBytes(3).toString('hex')}`;
  const projectCloud = 'alt-zone-a';
  const XSS = '<img src=x onerror=alert(1)>';
  let imageId: string;
  let sessionToken = '';
  let foundRemote = '';
  let foundId = '';

  const cell = (image: string, cloud: string) =>
    page.getByRole('checkbox', { name: `${image} in ${cloud}`, exact: true });
  const cellWords = (image: string, cloud: string) =>
    page.locator('td', { has: cell(image, cloud) }).locator('.words');
  const goTo = async (route: string) => {
    await page.click(`nav[aria-label="Pages"] a[href="#/${route}"]`);
    await page.locator('main h1').first().waitFor();
  };

  async function logIn(user: { username: string; password: string; project_name: string }) {
    const token = await logInAs(page, user);
    if (token) sessionToken = token;
  }

  const stack = useStack({
    // The slow source listens before the config is written: the import filter must allow its port.
    beforeStart: async () => {
      slow = await slowServer();
    },
    extraConfig: () =>
      // Every request validated (a revoked token is refused at once); no periodic check of the
      // 10,000 images this test writes; a project cloud and an import on loopback addresses.
      '[keystone_authtoken]\ntoken_cache_time = 0\n[conductor]\nrefresh_interval = 0\n' +
      '[project_clouds]\nallowed_private_networks = 127.0.0.0/8\n' +
      `[import_filtering]\nallowed_ports = 80,443,${(slow.address() as AddressInfo).port}\n` +
      'allowed_private_networks = 127.0.0.2/32\n',
  });

  before(async function () {
    this.timeout(300000);
    ({ bed, daemons, api, admin, demo, cloudIds: clouds } = stack);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'gimming-dashboard-'));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await watchedPage(context));
  });

  after(async function () {
    this.timeout(60000);
    await browser?.close();
    slow?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  afterEach(() => {
    assert.deepEqual(problems.errors, [], 'no script error or CSP violation in the page');
    assert.deepEqual(problems.dialogs, [], 'no alert() ran');
  });

  it('is served with a strict Content-Security-Policy and the usual security headers', async () => {
    const res = await call('GET', `${api}/dashboard/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    const scripts = res.text.match(/<script[^>]*>/g) ?? [];
    assert.ok(scripts.length > 0, res.text);
    for (const tag of scripts) assert.match(tag, / src="\/dashboard\//, `no inline script: ${tag}`);
    assert.doesNotMatch(res.text, /<style|style="/, 'no inline style');
    const asset = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(res.text)?.[1];
    assert.ok(asset, res.text);
    const js = await call('GET', `${api}${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    // Sent as is (fetch would resolve the dots first): nothing outside the built dashboard is served.
    for (const target of [
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/assets/nope.js',
      '/dashboard/%00',
    ]) {
      const miss = await rawRequest('127.0.0.1', daemons.opts.apiPort, { method: 'GET', target });
      assert.equal(miss.status, 404, `${target}: ${miss.text}`);
      assert.doesNotMatch(miss.text, /"name": "gimming"/);
      assert.equal(miss.headers['x-frame-options'], 'DENY', target);
    }
    const head = await fetch(`${api}/dashboard/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(res.text)));
    const post = await call('POST', `${api}/dashboard/`, { json: {} });
    assert.equal(post.status, 405, post.text);
    // The session calls refuse what is not a login, in words, before asking Keystone anything.
    for (const [json, words] of [
      [{}, /Invalid method: password or application_credential/],
      [{ method: 'password', username: 'demo', password: 'x' }, /Invalid project_name/],
      [{ method: 'application_credential', id: 'x' }, /Invalid secret/],
    ] as const) {
      const bad = await call('POST', `${api}/dashboard/session`, { json });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.body.error.message, words);
      assert.equal(bad.headers.get('cache-control'), null);
    }
    const noToken = await call('DELETE', `${api}/dashboard/session`);
    assert.equal(noToken.status, 401, noToken.text);
    const redirect = await fetch(`${api}/dashboard`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
  });

  it('says in words why a login failed, then logs in with a password', async () => {
    await page.goto(`${api}/dashboard/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await assertAccessible(page, 'the login page');
    await screenshot(page, 'login');
    await logIn({ ...bed.users.demo, password: 'not-the-password' });
    await page.getByRole('alert').getByText('The user name, password, project or domain is wrong.').waitFor();
    await logIn(bed.users.demo);
    assert.ok(sessionToken.length > 10);
    // The token is in the page's memory only.
    const stored: string = await page.evaluate(
      'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href',
    );
    assert.ok(!stored.includes(sessionToken), 'token not in storage, cookies or the URL');
    await page.getByText('demo', { exact: false }).first().waitFor();
  });

  it('uploads a file (streamed, with progress) into two clouds and both copies become active', async () => {
    await goTo('upload');
    await assertAccessible(page, 'the upload page');
    const file = join(work, `${name}.img`);
    writeFileSync(file, randomBytes(3 * 1024 * 1024));
    await page.setInputFiles('input[type=file]', file);
    assert.equal(await page.locator('input[name=name]').inputValue(), name);
    await page.check(`input[name=target][value="${clouds['zone-a']}"]`);
    await page.check(`input[name=target][value="${clouds['zone-b']}"]`);
    await screenshot(page, 'upload');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('heading', { name: 'Images' }).waitFor({ timeout: 30000 });
    await cell(name, 'zone-a').waitFor();
    for (const cloud of ['zone-a', 'zone-b']) {
      await waitFor(`${cloud} active in the page`, async () =>
        (await cellWords(name, cloud).textContent())?.startsWith('active') ? true : undefined,
      );
      assert.equal(await cell(name, cloud).isChecked(), true);
    }
    const listed = await call('GET', `${api}/v1/images?name=${name}`, { token: demo.id });
    imageId = listed.body.images[0].id;
    assert.equal(listed.body.images[0].size, 3 * 1024 * 1024);
  });

  it('adds a project cloud with credentials for this session only', async () => {
    await goTo('clouds');
    await page.getByRole('button', { name: 'Add a project cloud' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a project cloud' });
    await dialog.locator('input[name=name]').fill(projectCloud);
    await dialog.locator('input[name=region_name]').fill('RegionOne');
    await dialog.locator('input[name=zone]').fill('zone-a');
    await dialog.locator('input[name=auth_url]').fill(bed.auth_url);
    await dialog.locator('input[name=c_username]').fill(bed.users.alt.username);
    await dialog.locator('input[name=c_password]').fill(bed.users.alt.password);
    await dialog.locator('input[name=c_project]').fill(bed.users.alt.project_name);
    await assertAccessible(page, 'the add-cloud dialog');
    await screenshot(page, 'add-cloud');
    await dialog.getByRole('button', { name: 'Add cloud' }).click();
    await page.getByRole('heading', { name: projectCloud }).waitFor();
    await page.getByText('given for this session').waitFor();
    await assertAccessible(page, 'the clouds page');
    await screenshot(page, 'clouds');
    const cloudsNow = await call('GET', `${api}/v1/clouds`, { token: demo.id });
    const created = cloudsNow.body.clouds.find((c: any) => c.name === projectCloud);
    assert.equal(created.scope, 'project');
    assert.equal(created.credentials_ref, null, 'the credentials are not stored');
  });

  it('adds a project AWS EC2 cloud with an access key for this session, and shows its type and bucket', async () => {
    const ec2 = `dash-ec2-${randomBytes(3).toString('hex')}`;
    await page.getByRole('button', { name: 'Add a project cloud' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a project cloud' });
    await dialog.getByRole('radio', { name: 'AWS EC2' }).check();
    assert.equal(await dialog.locator('input[name=auth_url]').count(), 0, 'no Keystone URL for EC2');
    assert.equal(await dialog.getByRole('radio', { name: 'My own token' }).count(), 0);
    await dialog.locator('input[name=name]').fill(ec2);
    await dialog.locator('input[name=region_name]').fill('us-east-1');
    await dialog.locator('input[name=bucket]').fill('dash-transfers');
    await dialog.locator('input[name=c_access_key_id]').fill('AKIAIOSFODNN7EXAMPLE');
    await dialog.locator('input[name=c_secret_access_key]').fill('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    await assertAccessible(page, 'the add-cloud dialog for EC2');
    await dialog.getByRole('button', { name: 'Add cloud' }).click();
    const card = page.locator('article', { has: page.getByRole('heading', { name: ec2 }) });
    await card.waitFor();
    await card.getByText('AWS EC2').waitFor();
    await card.getByText('dash-transfers').waitFor();
    await card.getByText('given for this session').waitFor();
    const cloudsNow = await call('GET', `${api}/v1/clouds`, { token: demo.id });
    const created = cloudsNow.body.clouds.find((c: any) => c.name === ec2);
    assert.equal(created.type, 'aws');
    assert.equal(created.bucket, 'dash-transfers');
    assert.equal(created.credentials_ref, null, 'the key is not stored');
    // Removed from the page (which forgets its key, so no later call carries it), out of the way of the
    // matrix tests that follow.
    await card.getByRole('button', { name: 'Remove' }).click();
    await page.getByText(`Removed the cloud ${ec2}.`).waitFor();
    await card.waitFor({ state: 'detached' });
    const after = await call('GET', `${api}/v1/clouds`, { token: demo.id });
    assert.ok(!after.body.clouds.some((c: any) => c.name === ec2));
  });

  it('ticks a third cloud, saves, and the copy arrives there', async () => {
    await goTo('images');
    await cell(name, projectCloud).check();
    await page.getByText('will copy').first().waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save these changes?' });
    await dialog.getByText(`Copy to ${projectCloud}.`).waitFor();
    await assertAccessible(page, 'the save dialog');
    await screenshot(page, 'save');
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await waitFor(
      'the copy in the project cloud to be active in the page',
      async () =>
        (await cellWords(name, projectCloud).textContent())?.startsWith('active') ? true : undefined,
      60000,
    );
    await assertAccessible(page, 'the images page');
    await screenshot(page, 'images');
    const copy = await location(api, demo.id, imageId, projectCloud);
    const alt = await issueToken(bed, bed.users.alt);
    const inCloud = await new Glance(bed.regions.RegionOne!.glance_url, alt.id).get(copy.image_id);
    assert.equal(inCloud?.status, 'active');
    assert.equal(inCloud?.size, 3 * 1024 * 1024);
  });

  it('refuses in words a Save that would leave no complete copy, and changes nothing', async () => {
    for (const cloud of ['zone-a', 'zone-b', projectCloud]) await cell(name, cloud).uncheck();
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save these changes?' });
    await dialog
      .getByText(/Not allowed: The copy in .* is needed: no other complete copy/)
      .first()
      .waitFor();
    assert.equal(await dialog.getByRole('button', { name: /Copy|Delete/ }).isDisabled(), true);
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await page.getByRole('button', { name: 'Discard' }).click();
    assert.equal(await cell(name, 'zone-a').isChecked(), true);
    assert.equal((await location(api, demo.id, imageId, 'zone-a')).status, 'active');
  });

  it('unticks the third cloud, asks before deleting, and the copy is removed', async () => {
    const copy = await location(api, demo.id, imageId, projectCloud);
    await cell(name, projectCloud).uncheck();
    await page.getByText('will remove').first().waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save these changes?' });
    await dialog.getByText(`Delete the copy in ${projectCloud} from that cloud.`).waitFor();
    // The copy is alt's (the project cloud's credentials): the user is told before it goes.
    await dialog.getByText(`The copy in ${projectCloud} belongs to another project`).waitFor();
    await dialog.getByRole('button', { name: 'Delete and copy' }).click();
    await waitFor('the project cloud cell to be empty', async () =>
      (await cellWords(name, projectCloud).textContent()) === 'not here' ? true : undefined,
    );
    assert.equal(await location(api, demo.id, imageId, projectCloud), undefined);
    const alt = await issueToken(bed, bed.users.alt);
    const gone = await new Glance(bed.regions.RegionOne!.glance_url, alt.id).get(copy.image_id);
    assert.ok(gone === undefined || gone.status === 'deleted', JSON.stringify(gone));
  });

  it('checks the clouds against GIMinG and shows a copy deleted behind its back as missing', async () => {
    const copy = await location(api, demo.id, imageId, 'zone-b');
    const glanceB = new Glance(bed.regions.RegionTwo!.glance_url, demo.id);
    const deleted = await call('DELETE', `${glanceB.url}/v2/images/${copy.image_id}`, { token: demo.id });
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal(await cell(name, 'zone-b').isChecked(), true, 'GIMinG does not know yet');
    await page.getByRole('button', { name: 'Check against the clouds' }).click();
    await page.getByText(/Checked \d+ image\(s\) against their clouds\./).waitFor();
    await waitFor('zone-b to show missing', async () =>
      (await cellWords(name, 'zone-b').textContent()) === 'missing' ? true : undefined,
    );
    assert.equal(await cell(name, 'zone-b').isChecked(), false);
    // Ticking it again and saving makes the copy again.
    await cell(name, 'zone-b').check();
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save these changes?' });
    await dialog.getByText('Copy to zone-b.').waitFor();
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await waitFor('zone-b to be active again', async () =>
      (await cellWords(name, 'zone-b').textContent())?.startsWith('active') ? true : undefined,
    );
  });

  it('fits a phone screen: the matrix scrolls, the page does not', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await cell(name, 'zone-a').waitFor();
      const overflow: number = await page.evaluate(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
      await assertAccessible(page, 'the images page on a phone');
      await screenshot(page, 'phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('shows an image whose name is markup as text, and runs none of it', async () => {
    const res = await call('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { name: XSS, disk_format: 'raw', container_format: 'bare', targets: ['zone-a'] },
    });
    assert.equal(res.status, 201, res.text);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: XSS, exact: true }).waitFor();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.getByRole('button', { name: XSS, exact: true }).click();
    const details = page.getByRole('dialog', { name: XSS });
    await details.waitFor();
    await assertAccessible(page, 'the image details');
    await screenshot(page, 'image-details');
    await details.getByRole('button', { name: 'Close' }).click();
    assert.equal(await page.locator('img[src="x"]').count(), 0);
  });

  it('works with the keyboard alone: arrows move between cells, Space ticks, Save and Escape', async () => {
    await page.locator('input[type=search]').focus();
    let focused = '';
    for (let i = 0; i < 40 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(
        "document.activeElement?.matches('table.matrix input[type=checkbox]') ? document.activeElement.getAttribute('aria-label') : ''",
      );
    }
    assert.ok(focused, 'Tab reaches the matrix');
    const at = (): Promise<{ row: string; col: string; checked: boolean; label: string }> =>
      page.evaluate(
        '(({ dataset, checked }, el) => ({ row: dataset.row, col: dataset.col, checked, label: el.getAttribute("aria-label") }))(document.activeElement, document.activeElement)',
      );
    const start = await at();
    await page.keyboard.press('ArrowRight');
    const right = await at();
    assert.equal(right.row, start.row);
    assert.equal(Number(right.col), Number(start.col) + 1);
    await page.keyboard.press('ArrowDown');
    const down = await at();
    assert.equal(Number(down.row), Number(start.row) + 1);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    assert.deepEqual(await at(), start);
    await page.keyboard.press('Space');
    assert.equal((await at()).checked, !start.checked);
    await page
      .getByText(start.checked ? 'will remove' : 'will copy')
      .first()
      .waitFor();
    // To Save by keyboard: the save bar's button is after the pager.
    let onSave = false;
    for (let i = 0; i < 400 && !onSave; i++) {
      await page.keyboard.press('Tab');
      onSave = await page.evaluate("document.activeElement?.textContent === 'Save'");
    }
    assert.ok(onSave, 'Tab reaches Save');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Save these changes?' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Save these changes?' }).waitFor({ state: 'detached' });
    await page.getByRole('checkbox', { name: start.label, exact: true }).focus();
    await page.keyboard.press('Space');
    await page.getByRole('region', { name: 'Unsaved changes' }).waitFor({ state: 'detached' });
  });

  it('brings the login back when the token ends, keeping what was ticked', async () => {
    await cell(name, 'zone-b').uncheck();
    const revoke = await call('DELETE', `${bed.auth_url.replace(/\/+$/, '')}/auth/tokens`, {
      token: admin.id,
      headers: { 'X-Subject-Token': sessionToken },
    });
    assert.equal(revoke.status, 204, revoke.text);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByText('Your session has ended.').waitFor();
    await page.getByText('your 1 unsaved change(s) are kept').waitFor();
    await logIn(bed.users.demo);
    await cell(name, 'zone-b').waitFor();
    assert.equal(await cell(name, 'zone-b').isChecked(), false, 'the untick survived the new login');
    await page.getByText('will remove').first().waitFor();
    await page.getByRole('button', { name: 'Discard' }).click();
    assert.equal(await cell(name, 'zone-b').isChecked(), true);
  });

  it('cancels a running task from the live task feed', async () => {
    const port = (slow.address() as AddressInfo).port;
    await goTo('upload');
    await page.getByLabel('A URL').check();
    await page.locator('input[name=url]').fill(`http://127.0.0.2:${port}/slow.img`);
    await page.locator('input[name=name]').fill(`${name}-slow`);
    await page.check(`input[name=target][value="${clouds['zone-b']}"]`);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Images' }).waitFor();
    // The data coming in, on the image's row: how far, and the time left at that rate.
    await page
      .getByRole('row', { name: new RegExp(`${name}-slow`) })
      .getByText(/^import \d+(\.\d)?%, \d+(\.\d)? (s|min|h) left$/)
      .waitFor({ timeout: 30000 });
    await screenshot(page, 'importing');
    await goTo('tasks');
    const running = page.locator('li.event', { hasText: 'running' }).first();
    await running.waitFor({ timeout: 30000 });
    await assertAccessible(page, 'the tasks page');
    await screenshot(page, 'tasks');
    await running.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('li.event', { hasText: 'cancelled' }).first().waitFor({ timeout: 30000 });
    const tasks = await call('GET', `${api}/v1/tasks`, { token: demo.id });
    assert.ok(
      tasks.body.tasks.some((t: any) => t.status === 'cancelled'),
      JSON.stringify(tasks.body.tasks.map((t: any) => [t.type, t.status])),
    );
  });

  it('browses a cloud and adopts an image GIMinG does not track yet', async () => {
    const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
    const { image } = await glanceA.createWithData(64 * 1024, { name: `${name}-found` });
    foundRemote = image.id;
    await goTo('clouds');
    await page
      .getByRole('article', { name: 'zone-a', exact: true })
      .getByRole('button', { name: 'Browse images' })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Images in zone-a' });
    await dialog.getByRole('button', { name: `Adopt ${name}-found` }).waitFor();
    await assertAccessible(page, 'browsing a cloud');
    await screenshot(page, 'browse');
    await dialog.getByRole('button', { name: `Adopt ${name}-found` }).click();
    await dialog
      .getByRole('row', { name: new RegExp(`${name}-found`) })
      .getByText('tracked')
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    const listed = await call('GET', `${api}/v1/images?name=${name}-found`, { token: demo.id });
    assert.equal(listed.body.images.length, 1, listed.text);
    foundId = listed.body.images[0].id;
    assert.equal(listed.body.images[0].locations[0].image_id, foundRemote);
  });

  it('unlinks and links a copy, and shares the image, from its page', async () => {
    await goTo('images');
    await page.getByRole('button', { name: `${name}-found`, exact: true }).click();
    const details = page.getByRole('dialog', { name: `${name}-found` });
    await details.getByRole('cell', { name: foundRemote }).waitFor();
    await details.getByRole('button', { name: 'Unlink' }).click();
    await details.getByText('No copy yet.').waitFor();
    const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
    assert.equal((await glanceA.get(foundRemote))?.status, 'active', 'unlinked, not deleted');
    await details.locator('select[name=cloud]').selectOption(clouds['zone-a']!);
    await details.locator('input[name=remote]').fill(foundRemote);
    await details.getByRole('button', { name: 'Link', exact: true }).click();
    await details.getByRole('cell', { name: foundRemote }).waitFor();
    await details.getByLabel('Visibility').selectOption('shared');
    await page.getByText('The image is now shared.').waitFor();
    const altProject = (await issueToken(bed, bed.users.alt)).projectId;
    await details.locator('input[name=member]').fill(altProject);
    await details.getByRole('button', { name: 'Share', exact: true }).click();
    await details.getByText(altProject, { exact: true }).waitFor();
    const members = await call('GET', `${api}/v1/images/${foundId}/members`, { token: demo.id });
    assert.deepEqual(
      members.body.members.map((m: any) => m.member_id),
      [altProject],
    );
    await details.getByRole('button', { name: 'Close' }).click();
  });

  it('logs out and revokes the token', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    const after = await call('GET', `${api}/v1/images`, { token: sessionToken });
    assert.equal(after.status, 401);
  });

  it('logs in with an application credential', async () => {
    const keystone = bed.auth_url.replace(/\/+$/, '');
    const made = await call('POST', `${keystone}/users/${demo.userId}/application_credentials`, {
      token: demo.id,
      json: { application_credential: { name: `dashboard-${randomBytes(3).toString('hex')}` } },
    });
    assert.equal(made.status, 201, made.text);
    const credential = made.body.application_credential;
    await page.getByLabel('Application credential').check();
    await page.locator('input[name=credential_id]').fill(credential.id);
    await page.locator('input[name=credential_secret]').fill(credential.secret);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Images' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await call('DELETE', `${keystone}/users/${demo.userId}/application_credentials/${credential.id}`, {
      token: demo.id,
    });
  });
});

describe('the web dashboard with Glance, EC2 and GCE clouds (Chromium)', function () {
  this.timeout(120000);
  const aws = new AwsStandin({ minDurationMs: 500, tickMs: 100 });
  const gce = new GceStandin({ insertMs: 500 });
  before(async function () {
    this.timeout(60000);
    await Promise.all([aws.start(), gce.start()]);
  });
  after(async () => {
    await Promise.all([aws.stop(), gce.stop()]);
  });
  const stack = useStack({
    extraConfig:
      '[conductor]\nrefresh_interval = 0\nremote_cache_time = 0\n' +
      // The project's key names the stand-in's token endpoint, on loopback.
      '[project_clouds]\nallowed_private_networks = 127.0.0.0/8\n',
    agentEnv: () => ({
      'zone-b': {
        ...aws.agentEnv(),
        OS_AGENT__ENABLED_DRIVERS: 'openstack,aws,gcp',
        OS_GCP__COMPUTE_ENDPOINT: gce.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: gce.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '100',
        GOOGLE_APPLICATION_CREDENTIALS: gce.keyFile('operator'),
      },
    }),
  });
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let work: string;
  const name = `kinds-${randomBytes(3).toString('hex')}`;
  const gceCloud = `dash-gce-${randomBytes(3).toString('hex')}`;
  let imageId = '';

  const cell = (image: string, cloud: string) =>
    page.getByRole('checkbox', { name: `${image} in ${cloud}`, exact: true });
  const cellWords = (image: string, cloud: string) =>
    page.locator('td', { has: cell(image, cloud) }).locator('.words');
  const goTo = async (route: string) => {
    await page.click(`nav[aria-label="Pages"] a[href="#/${route}"]`);
    await page.locator('main h1').first().waitFor();
  };

  before(async function () {
    this.timeout(120000);
    work = mkdtempSync(join(tmpdir(), 'gimming-dashboard-kinds-'));
    const ec2 = await call('POST', `${stack.api}/v1/clouds`, {
      token: stack.admin.id,
      json: {
        name: 'ec2-east',
        type: 'aws',
        region_name: 'us-east-1',
        zone: 'zone-b',
        bucket: aws.bucket('operator', 'us-east-1'),
      },
    });
    assert.equal(ec2.status, 201, ec2.text);
    await waitFor(
      'the EC2 cloud to show its capabilities',
      async () =>
        (await call('GET', `${stack.api}/v1/clouds/ec2-east`, { token: stack.admin.id })).body
          ?.capabilities ?? undefined,
      60000,
    );
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await watchedPage(context));
    await page.goto(`${stack.api}/dashboard/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.ok(await logInAs(page, stack.bed.users.demo), 'logged in');
  });

  after(async function () {
    this.timeout(60000);
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  afterEach(() => {
    assert.deepEqual(problems.errors, [], 'no script error or CSP violation in the page');
    assert.deepEqual(problems.dialogs, [], 'no alert() ran');
  });

  it("checks a GCE cloud's fields in the page by the server's rules, and sends nothing it would refuse", async () => {
    await goTo('clouds');
    await page.getByRole('button', { name: 'Add a project cloud' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a project cloud' });
    await dialog.getByRole('radio', { name: 'Google Compute Engine' }).check();
    assert.equal(await dialog.locator('input[name=auth_url]').count(), 0, 'no Keystone URL for GCE');
    assert.equal(
      await dialog.locator('input[name=region_name]').count(),
      0,
      'no region: GCE images are global',
    );
    assert.equal(await dialog.getByRole('radio', { name: 'My own token' }).count(), 0);
    await dialog.locator('input[name=name]').fill(gceCloud);
    await dialog.locator('input[name=zone]').fill('zone-b');
    const why = (field: string) =>
      dialog.locator(`[name=${field}]`).evaluate((el: any): string => el.validationMessage);
    const cases: Array<[string, string, RegExp]> = [
      ['project', 'My_Project', /A Google Cloud project ID: 6 to 30 lowercase letters/],
      ['project', 'abc', /A Google Cloud project ID/],
      ['bucket', 'goog-transfers', /Not a Cloud Storage bucket name: it must not begin with goog\./],
      ['bucket', 'Transfers', /Not a Cloud Storage bucket name: it may hold only lowercase letters/],
      ['storage_location', 'Europe-West1', /A Cloud Storage location, such as us/],
      ['family', '-images', /A GCE name: 1 to 63 lowercase letters/],
      ['c_service_account_key', '{"type": "authorized_user"}', /not a service-account key/],
      ['c_service_account_key', 'not json', /This is not JSON/],
    ];
    for (const [field, value, words] of cases) {
      await dialog.locator(`[name=${field}]`).fill(value);
      assert.match(await why(field), words, `${field} = ${value}`);
    }
    // The server's own answer to the same values: each refused, as the page said.
    for (const [field, value, code] of [
      ['project', 'My_Project', 'gimming.cloud.bad_project'] as const,
      ['bucket', 'goog-transfers', 'gimming.cloud.bad_bucket'],
      ['storage_location', 'Europe-West1', 'gimming.cloud.bad_storage_location'],
      ['family', '-images', 'gimming.cloud.bad_family'],
    ]) {
      const res = await call('POST', `${stack.api}/v1/clouds`, {
        token: stack.demo.id,
        json: {
          name: 'refused',
          type: 'gcp',
          region_name: 'global',
          scope: 'project',
          project: 'gimming-tenant',
          bucket: 'gimming-tenant-transfer',
          [field]: value,
        },
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, code);
    }
    const posted: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/v1/clouds')) posted.push(r.url());
    });
    await dialog.getByRole('button', { name: 'Add cloud' }).click();
    await dialog.waitFor();
    assert.deepEqual(posted, [], 'nothing sent while a field is refused');
    // The key file, read in the page: it fills the key's field.
    await dialog.locator('input[name=project]').fill(gce.projects.project.id);
    await dialog.locator('input[name=bucket]').fill(gce.bucket('project'));
    await dialog.locator('input[name=storage_location]').fill('eu');
    await dialog.locator('input[name=family]').fill('dash-images');
    // (The screenshot before the key is read: the documentation shows no private key, even a stand-in's.)
    await dialog.locator('textarea[name=c_service_account_key]').fill('');
    await screenshot(page, 'add-cloud-gce');
    await dialog.locator('input[name=c_key_file]').setInputFiles(gce.keyFile('project'));
    await waitFor('the key to be read from its file', async () =>
      (await dialog.locator('textarea[name=c_service_account_key]').inputValue()).includes('service_account')
        ? true
        : undefined,
    );
    assert.equal(await why('c_service_account_key'), '');
    for (const field of ['project', 'bucket', 'storage_location', 'family'])
      assert.equal(await why(field), '');
    await assertAccessible(page, 'the add-cloud dialog for GCE');
  });

  it('adds the GCE cloud with its service-account key for this session only, and shows what it is', async () => {
    const dialog = page.getByRole('dialog', { name: 'Add a project cloud' });
    await dialog.getByRole('button', { name: 'Add cloud' }).click();
    const card = page.locator('article', { has: page.getByRole('heading', { name: gceCloud }) });
    await card.waitFor();
    await card.getByText('Google Compute Engine').waitFor();
    await card.getByText(gce.projects.project.id, { exact: true }).waitFor();
    await card.getByText(gce.bucket('project'), { exact: true }).waitFor();
    await card.getByText('dash-images').waitFor();
    await card.getByText('given for this session').waitFor();
    const created = (await call('GET', `${stack.api}/v1/clouds/${gceCloud}`, { token: stack.demo.id })).body;
    assert.equal(created.type, 'gcp');
    assert.equal(created.scope, 'project');
    assert.equal(created.region_name, 'global');
    assert.equal(created.project, gce.projects.project.id);
    assert.equal(created.bucket, gce.bucket('project'));
    assert.equal(created.storage_location, 'eu');
    assert.equal(created.family, 'dash-images');
    assert.equal(created.credentials_ref, null, 'the key is not stored');
    const stored: string = await page.evaluate(
      'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie',
    );
    assert.doesNotMatch(stored, /PRIVATE KEY/, 'the key is in the page memory only');
    await page.getByRole('article', { name: 'ec2-east' }).getByText('AWS EC2').waitFor();
    await page.getByRole('article', { name: 'zone-a', exact: true }).getByText('OpenStack Glance').waitFor();
  });

  it('shows a matrix of Glance, EC2 and GCE columns, and copies an image into EC2 and GCE by ticking', async () => {
    await goTo('upload');
    const file = join(work, `${name}.raw`);
    writeFileSync(file, randomBytes(2 * 1024 * 1024));
    await page.setInputFiles('input[type=file]', file);
    await page.check(`input[name=target][value="${stack.cloudIds['zone-a']}"]`);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('heading', { name: 'Images' }).waitFor({ timeout: 30000 });
    await waitFor('the upload to be active in zone-a', async () =>
      (await cellWords(name, 'zone-a').textContent())?.startsWith('active') ? true : undefined,
    );
    // One column per cloud, each saying its kind.
    const heads = await page
      .locator('table.matrix thead th[data-kind]')
      .evaluateAll((ths: any[]): Array<[string, string]> =>
        ths.map((th) => [th.getAttribute('data-kind'), th.textContent]),
      );
    const kindOf = (cloud: string) => heads.find(([, text]) => text?.startsWith(cloud))?.[0];
    assert.deepEqual(
      ['zone-a', 'zone-b', 'ec2-east', gceCloud].map(kindOf),
      ['openstack', 'openstack', 'aws', 'gcp'],
      JSON.stringify(heads),
    );
    for (const [cloud, tag] of [
      ['zone-a', 'Glance'],
      ['ec2-east', 'EC2'],
      [gceCloud, 'GCE'],
    ]) {
      await page.getByRole('columnheader', { name: new RegExp(`^${cloud} ${tag}\\b`) }).waitFor();
    }
    assert.equal(await cellWords(name, 'ec2-east').textContent(), 'not here');
    assert.equal(await cellWords(name, gceCloud).textContent(), 'not here');
    await cell(name, 'ec2-east').check();
    await cell(name, gceCloud).check();
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save these changes?' });
    await dialog.getByText(new RegExp(`Copy to (ec2-east, ${gceCloud}|${gceCloud}, ec2-east)\\.`)).waitFor();
    await dialog.getByRole('button', { name: 'Copy' }).click();
    for (const cloud of ['ec2-east', gceCloud]) {
      await waitFor(
        `the copy in ${cloud} to be active in the page`,
        async () => ((await cellWords(name, cloud).textContent())?.startsWith('active') ? true : undefined),
        90000,
      );
    }
    await assertAccessible(page, 'the matrix of three kinds of cloud');
    await screenshot(page, 'matrix-kinds');
    const listed = await call('GET', `${stack.api}/v1/images?name=${name}`, { token: stack.demo.id });
    imageId = listed.body.images[0].id;
    // In the clouds themselves: an AMI in the stand-in's account, a READY image in the project's GCE.
    const gceCopy = await location(stack.api, stack.demo.id, imageId, gceCloud);
    const state = await gce.state();
    const inGce = state.images.find((i) => gceCopy.image_id.endsWith(i.image.name));
    assert.equal(inGce?.project, gce.projects.project.id, JSON.stringify(state.images));
    assert.equal(inGce?.image.status, 'READY');
    assert.equal(inGce?.image.labels?.gimming_image_id, imageId);
    // The cloud's storage location and family, on the image GCE made.
    const made = inGce?.image as { storageLocations?: string[]; family?: string } | undefined;
    assert.deepEqual(made?.storageLocations, ['eu']);
    assert.equal(made?.family, 'dash-images');
    assert.deepEqual(state.objects, [], 'no object left in the bucket');
    const ec2Copy = await location(stack.api, stack.demo.id, imageId, 'ec2-east');
    assert.match(ec2Copy.image_id, /^ami-[0-9a-f]+$/);
  });

  it("shows a GCE copy deleted behind GIMinG's back as missing", async () => {
    const gceCopy = await location(stack.api, stack.demo.id, imageId, gceCloud);
    const { images, operations } = gce.compute('project');
    const gceName = gceCopy.image_id.split('/').pop();
    const [op] = await images.delete({ project: gce.projects.project.id, image: gceName });
    await operations.wait({ project: gce.projects.project.id, operation: op.latestResponse.name });
    await page.getByRole('button', { name: 'Check against the clouds' }).click();
    await page.getByText(/Checked \d+ image\(s\) against their clouds\./).waitFor();
    await waitFor('the GCE copy to show missing', async () =>
      (await cellWords(name, gceCloud).textContent()) === 'missing' ? true : undefined,
    );
    assert.equal(
      await cellWords(name, 'ec2-east')
        .textContent()
        .then((t) => t?.startsWith('active')),
      true,
    );
    // Deleted everywhere; the GCE cloud's key comes with the request, as the page sends it.
    const removed = await call('DELETE', `${stack.api}/v1/images/${imageId}?delete_remote=true`, {
      token: stack.demo.id,
      headers: { 'X-Cloud-Credentials': JSON.stringify({ [gceCloud]: gce.key('project') }) },
    });
    assert.equal(removed.status, 202, removed.text);
    await waitFor(
      'the image to be deleted everywhere',
      async () =>
        (await call('GET', `${stack.api}/v1/images/${imageId}`, { token: stack.demo.id })).status === 404
          ? true
          : undefined,
      60000,
    );
  });
});
