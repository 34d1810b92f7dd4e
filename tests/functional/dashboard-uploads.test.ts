/**
 * The dashboard's uploads that survive the network, and its cloud browse page by page, in a real browser
 * (Debian's Chromium, headless) against the real daemons. The page is served through a small TCP proxy in
 * front of the API that can drop an upload's connection once after some bytes, or slow uploads down:
 * - an upload cut mid-way is resumed by the page on its own (HEAD for the offset, the rest sent with
 *   Content-Range at microversion 1.6), the page saying where it resumes, and the image gets active in
 *   both Glance zones with the checksums of the whole file;
 * - an upload whose page was reloaded mid-way is listed under Interrupted uploads after the login; a file
 *   of another size, then one of the same size but another name, are refused in words, and the same file
 *   chosen again continues at the byte the server kept;
 * - a Glance zone's untracked images are browsed page by page (1.1 `next` links), Next and Previous.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  SCREENSHOT_DIR,
  assertAccessible,
  launchChromium,
  logInAs,
  type PageProblems,
  watchedPage,
} from '../support/browser';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

/** This helper's port range (19400-19499): the proxy the browser reaches the API through. */
const PROXY_PORT = 19431;
const V16 = { 'OpenStack-API-Version': 'image-manager 1.6' };
const MiB = 1024 * 1024;
const UPLOAD_LINE = /^PUT \/v1\/images\/[0-9a-f-]{36}\/file HTTP\/1\.1\r\n/;

/**
 * A TCP proxy to the API. A connection carrying PUT /v1/images/{id}/file is dropped once `cutAfter` of
 * its bytes went through (then `onCut` runs), and each chunk of an upload waits `delayMs` (a slow link).
 */
class UploadProxy {
  cutAfter: number | null = null;
  delayMs = 0;
  onCut: () => void = () => undefined;
  cuts = 0;
  /** The Content-Range of each upload PUT seen ('' when none). */
  readonly puts: string[] = [];
  /** Every request line seen, with its Content-Range (for the failures' words). */
  readonly seen: string[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: URL) {
    this.server = net.createServer((client) => this.relay(client));
  }

  listen(): Promise<void> {
    return new Promise((done) => this.server.listen(PROXY_PORT, '127.0.0.1', done));
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect(Number(this.target.port), this.target.hostname);
    this.sockets.add(client).add(upstream);
    let upload = false;
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      // A request may begin anywhere in a chunk, even mid-line: right after the last byte of the body
      // before it, on a connection the browser reused.
      const text = chunk.toString('latin1');
      const line = /(?:GET|HEAD|POST|PUT|PATCH|DELETE) \/\S* HTTP\/1\.1(?=\r\n)/.exec(text);
      if (line) {
        const head = text.slice(line.index, line.index + 8192);
        const range =
          /^content-range: ([^\r]*)/im.exec(head.slice(0, head.indexOf('\r\n\r\n') + 2))?.[1] ?? '';
        this.seen.push(`${line[0]} ${range}`);
        upload = UPLOAD_LINE.test(head.slice(0, line[0].length + 2));
        if (upload) {
          sent = 0;
          this.puts.push(range);
        }
      }
      if (upload) sent += chunk.length;
      if (upload && this.cutAfter !== null && this.cuts === 0 && sent > this.cutAfter) {
        this.cuts += 1;
        client.destroy();
        upstream.destroy();
        this.onCut();
        return;
      }
      const flowing = upstream.write(chunk);
      const delay = upload ? this.delayMs : 0;
      if (flowing && delay === 0) return;
      client.pause();
      const go = () => (delay > 0 ? setTimeout(() => client.resume(), delay) : client.resume());
      if (flowing) go();
      else upstream.once('drain', go);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => (upstream.end(), this.sockets.delete(client)));
    upstream.on('close', () => this.sockets.delete(upstream));
  }
}

describe("the dashboard's resumed uploads and paged browse (Chromium)", function () {
  this.timeout(180000);
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let proxy: UploadProxy;
  let work: string;
  let origin: string;
  const suffix = randomBytes(3).toString('hex');
  const made: string[] = [];
  const glanceMade: string[] = [];

  // Registered before the stack, so it runs while the daemons are still up (after hooks run in order).
  after(async function () {
    this.timeout(180000);
    await browser?.close();
    proxy?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    for (const id of made) await asDemo('DELETE', `/images/${id}?delete_remote=true`).catch(() => undefined);
    for (const id of made) await waitForTasks(stack.api, stack.demo.id, id, 60000).catch(() => []);
    const glance = stack.cloud('zone-a');
    for (const id of glanceMade) await glance.delete(id).catch(() => undefined);
  });

  const stack = useStack({ extraConfig: '[conductor]\nrefresh_interval = 0\n' });
  const asDemo = (method: string, path: string, json?: unknown) =>
    http(method, `${stack.api}/v1${path}`, {
      token: stack.demo.id,
      headers: V16,
      ...(json !== undefined ? { json } : {}),
    });

  before(async function () {
    this.timeout(120000);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'gimming-dashboard-uploads-'));
    proxy = new UploadProxy(new URL(stack.api));
    await proxy.listen();
    origin = `http://127.0.0.1:${PROXY_PORT}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ({ page, problems } = await watchedPage(context));
    await page.goto(`${origin}/dashboard/`);
    await logInAs(page, stack.bed.users.demo);
  });

  beforeEach(async () => {
    // Logged in (a test before may have left the page at the login).
    if (!(await page.locator('nav[aria-label="Pages"]').isVisible())) {
      await page.goto(`${origin}/dashboard/`);
      await logInAs(page, stack.bed.users.demo);
    }
    proxy.cutAfter = null;
    proxy.delayMs = 0;
    proxy.onCut = () => undefined;
    proxy.cuts = 0;
    proxy.puts.length = 0;
    proxy.seen.length = 0;
  });

  afterEach(() => {
    // The dropped connections are logged by the browser as failed resources; nothing else may be.
    const errors = problems.errors.filter(
      (e) => !/ERR_CONNECTION_(RESET|CLOSED)|Failed to load resource/.test(e),
    );
    assert.deepEqual(errors, [], 'no script error or CSP violation in the page');
    problems.errors.length = 0;
  });

  const goTo = async (route: string) => {
    await page.click(`nav[aria-label="Pages"] a[href="#/${route}"]`);
    await page.locator('main h1').first().waitFor();
  };

  const file = (name: string, data: Buffer) => {
    const path = join(work, name);
    writeFileSync(path, data);
    return path;
  };

  const imageNamed = async (name: string): Promise<string> => {
    const listed = await asDemo('GET', `/images?name=${encodeURIComponent(name)}`);
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.body.images.length, 1, listed.text);
    return listed.body.images[0].id as string;
  };

  const uploadState = async (id: string) => {
    const res = await fetch(`${stack.api}/v1/images/${id}/file`, {
      method: 'HEAD',
      headers: { 'X-Auth-Token': stack.demo.id, ...V16 },
    });
    return {
      state: res.headers.get('gimming-upload-state'),
      offset: Number(res.headers.get('upload-offset')),
    };
  };

  /** The image is active in both zones, every copy with the checksums of `data`. */
  async function activeEverywhere(id: string, data: Buffer): Promise<void> {
    const tasks = await waitForTasks(stack.api, stack.demo.id, id);
    for (const task of tasks.filter((t: any) => t.type === 'copy'))
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const image = (await asDemo('GET', `/images/${id}`)).body;
    const md5 = createHash('md5').update(data).digest('hex');
    const sha512 = createHash('sha512').update(data).digest('hex');
    assert.equal(image.status, 'active');
    assert.equal(image.size, data.length);
    assert.equal(image.checksum, md5);
    assert.equal(image.os_hash_value, sha512);
    for (const cloud of ['zone-a', 'zone-b']) {
      const location = image.locations.find((l: any) => l.cloud === cloud);
      assert.equal(location?.status, 'active', cloud);
      const copy = await stack.cloud(cloud).get(location.image_id);
      assert.equal(copy?.checksum, md5, cloud);
    }
  }

  const remembered = (): Promise<string> =>
    page.evaluate<string>("localStorage.getItem('gimming.dashboard.uploads') ?? ''");

  /** Fills the upload form for `path` into both zones (the name is the file's, without its extension). */
  async function fillUpload(path: string): Promise<void> {
    await goTo('upload');
    await page.setInputFiles('form input[type=file][name=file]', path);
    await page.locator('input[name=name]').fill(basename(path).replace(/\.img$/, ''));
    await page.check(`input[name=target][value="${stack.cloudIds['zone-a']}"]`);
    await page.check(`input[name=target][value="${stack.cloudIds['zone-b']}"]`);
  }

  it('resumes an upload whose connection dropped mid-way, on its own, from the bytes the server kept', async () => {
    const name = `dash-resumed-${suffix}`;
    const data = randomBytes(24 * MiB + 5);
    await fillUpload(file(`${name}.img`, data));
    proxy.cutAfter = 8 * MiB;
    // The rest goes slowly, so that the page can be read while it resumes.
    proxy.onCut = () => (proxy.delayMs = 15);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    const note = page.getByRole('status').filter({ hasText: /resuming at [\d.]+ MiB/ });
    await note.waitFor({ timeout: 30000 });
    const words = (await note.textContent()) ?? '';
    assert.match(words, /The connection dropped: resuming at [\d.]+ MiB \(try 1 of 4\)/);
    // The bar counts from where the server is, not from 0 nor from what the browser had sent.
    const label = (await page.locator('label[for=upload-bar]').textContent()) ?? '';
    const at = Number(/Uploading: ([\d.]+) MiB of 24\.0 MiB/.exec(label)?.[1]);
    const resumedAt = Number(/resuming at ([\d.]+) MiB/.exec(words)?.[1]);
    assert.ok(at >= resumedAt - 0.1 && at <= 24, `the bar says ${label} after resuming at ${resumedAt} MiB`);
    await page.getByRole('heading', { name: 'Images' }).waitFor({ timeout: 60000 });

    assert.equal(proxy.cuts, 1, 'the proxy cut the upload once');
    // Chromium may send the cut PUT again on its own, whole (refused: the first is still arriving).
    const ranged = proxy.puts.filter((p) => p !== '');
    assert.equal(ranged.length, 1, `one resumed PUT: ${JSON.stringify(proxy.seen)}`);
    assert.equal(proxy.puts[0], '', 'the first PUT sends the whole file');
    const from = Number(/^bytes (\d+)-/.exec(ranged[0]!)?.[1]);
    assert.ok(from > 0 && from <= 8 * MiB, `resumed from byte ${from}`);
    assert.equal(ranged[0], `bytes ${from}-${data.length - 1}/${data.length}`);
    assert.ok(Math.abs(from / MiB - resumedAt) < 0.1, `the page said ${resumedAt} MiB, the PUT ${from}`);
    const id = await imageNamed(name);
    made.push(id);
    await activeEverywhere(id, data);
    assert.doesNotMatch(await remembered(), new RegExp(id), 'a finished upload is forgotten');
  });

  it('after a reload, resumes an interrupted upload from the same file chosen again, and refuses another', async () => {
    const name = `dash-reloaded-${suffix}`;
    const data = randomBytes(16 * MiB + 3);
    const path = file(`${name}.img`, data);
    await fillUpload(path);
    proxy.delayMs = 20;
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await waitFor(
      'a few MiB sent',
      async () => {
        const label = await page
          .locator('label[for=upload-bar]')
          .textContent({ timeout: 1000 })
          .catch(() => '');
        const sent = /Uploading: ([\d.]+) MiB/.exec(label ?? '');
        return sent && Number(sent[1]) >= 3 ? true : undefined;
      },
      60000,
    );
    const id = await imageNamed(name);
    made.push(id);
    await page.reload();
    proxy.delayMs = 0;
    const kept = await waitFor(
      'the cut upload to be kept',
      async () => {
        const h = await uploadState(id);
        return h.state === 'suspended' ? h : undefined;
      },
      30000,
    );
    assert.ok(kept.offset > 0 && kept.offset < data.length, `offset ${kept.offset}`);
    assert.match(await remembered(), new RegExp(id), 'the browser remembers the upload');

    // The token was in the page's memory only: log in again.
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await logInAs(page, stack.bed.users.demo);
    await goTo('upload');
    const section = page.locator('section', {
      has: page.getByRole('heading', { name: 'Interrupted uploads' }),
    });
    await section.getByText(`resume the upload of ${name}`).waitFor();
    await assertAccessible(page, 'the upload page with an interrupted upload');
    const input = section.locator(`input[name="resume-${id}"]`);

    await input.setInputFiles(file('other.img', randomBytes(MiB)));
    await section
      .getByRole('alert')
      .getByText(`other.img is 1.0 MiB (${MiB} bytes), but the interrupted upload is 16.0 MiB`)
      .waitFor();
    await input.setInputFiles(file('same-size.img', randomBytes(data.length)));
    await section
      .getByRole('alert')
      .getByText(`This is not the file the upload began with (${name}.img`)
      .waitFor();
    assert.ok(
      proxy.puts.every((p) => p === ''),
      `nothing was sent for a refused file: ${JSON.stringify(proxy.puts)}`,
    );
    const before = proxy.puts.length;
    assert.equal((await uploadState(id)).offset, kept.offset);

    await input.setInputFiles(path);
    await page.getByText(`Uploaded ${name}; its copies are being made.`).waitFor({ timeout: 60000 });
    assert.deepEqual(proxy.puts.slice(before), [`bytes ${kept.offset}-${data.length - 1}/${data.length}`]);
    await activeEverywhere(id, data);
    assert.doesNotMatch(await remembered(), new RegExp(id), 'a finished upload is forgotten');
    await section.waitFor({ state: 'detached' });
  });

  it("browses a Glance zone's images page by page, Next and Previous", async function () {
    this.timeout(300000);
    const prefix = `dash-page-${suffix}`;
    const glance = stack.cloud('zone-a');
    const seeded = 13;
    for (let i = 0; i < seeded; i++) {
      const { image } = await glance.createWithData(1024, {
        name: `${prefix}-${String(i).padStart(2, '0')}`,
        disk_format: 'raw',
        container_format: 'bare',
      });
      glanceMade.push(image.id);
    }
    await goTo('clouds');
    const card = page.locator('article', { has: page.getByRole('heading', { name: 'zone-a', exact: true }) });
    await card.getByRole('button', { name: 'Browse images' }).click();
    const dialog = page.getByRole('dialog', { name: 'Images in zone-a' });
    await dialog.locator('select[name=page_size]').selectOption('10');
    const pager = dialog.getByRole('navigation', { name: "Pages of the cloud's images" });
    const next = pager.getByRole('button', { name: 'Next page' });
    const previous = pager.getByRole('button', { name: 'Previous page' });
    const names = () => dialog.locator('tbody tr td:first-child').allTextContents();
    const onPage = async (n: number) => {
      await pager.getByText(`Page ${n}`, { exact: true }).waitFor();
      return names();
    };

    const first = await onPage(1);
    assert.equal(first.length, 10, 'a full first page');
    assert.equal(await previous.isDisabled(), true);
    assert.equal(await next.isEnabled(), true, 'more than one page');
    await assertAccessible(page, 'the browse dialog');
    const seen: string[] = [...first];
    let pages = 1;
    while (seen.filter((n) => n.startsWith(prefix)).length < seeded) {
      assert.ok(await next.isEnabled(), `a next page while ${prefix} images are missing`);
      assert.ok(pages < 60, 'the walk ends');
      await next.click();
      pages += 1;
      seen.push(...(await onPage(pages)));
    }
    const mine = seen.filter((n) => n.startsWith(prefix));
    assert.deepEqual(
      [...mine].sort(),
      Array.from({ length: seeded }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`),
      'each seeded image once',
    );
    assert.ok(pages >= 2, 'the seeded images took more than one page');
    // Back to the first page: the same images as before.
    while (pages > 1) {
      await previous.click();
      pages -= 1;
      await onPage(pages);
    }
    assert.deepEqual(await onPage(1), first);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });
});
