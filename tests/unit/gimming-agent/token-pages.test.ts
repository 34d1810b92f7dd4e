/**
 * Browse pages over a cloud that pages with opaque tokens (token-pages.ts): every item once, `next`
 * exactly when a further page exists (also when the cloud hands out a token to an empty page, as EC2 may),
 * a plain image ID as the marker (the API's markers before RPC 1.19), and markers refused by name.
 */
import assert from 'node:assert/strict';
import { GimmingError } from '../../../src/common/errors';
import {
  type NativePage,
  decodeMarker,
  encodeMarker,
  pageByTokens,
} from '../../../src/gimming-agent/drivers/token-pages';

/** A cloud's pages as EC2 and GCE make them: the token is the position, `size` items from it. */
function vendor(ids: string[], opts: { emptyLastPage?: boolean } = {}) {
  const calls: Array<{ token: string | undefined; size: number }> = [];
  const fetch = async (token: string | undefined, size: number): Promise<NativePage<string>> => {
    calls.push({ token, size });
    const start = token ? Number(Buffer.from(token, 'base64').toString()) : 0;
    const items = ids.slice(start, start + size);
    const end = start + items.length;
    const more = end < ids.length || (opts.emptyLastPage === true && items.length > 0);
    return { items, next: more ? Buffer.from(String(end)).toString('base64') : undefined };
  };
  return { fetch, calls };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `ami-${String(i).padStart(8, '0')}`);

async function walk(
  all: string[],
  limit: number,
  pageSize: number,
  opts: { emptyLastPage?: boolean; keep?: (id: string) => boolean } = {},
): Promise<string[][]> {
  const { fetch } = vendor(all, opts);
  const pages: string[][] = [];
  let marker: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await pageByTokens({
      limit,
      marker,
      pageSize,
      maxPageSize: 1000,
      fetch,
      id: (s) => s,
      ...(opts.keep ? { keep: opts.keep } : {}),
    });
    pages.push(page.items);
    if (page.next === undefined) return pages;
    marker = page.next;
  }
  throw new Error('no end');
}

const refused = (err: unknown) => err instanceof GimmingError && err.code === 'gimming.list.bad_marker';

describe('token pages', () => {
  it('walks 23 items 5 at a time, each once, and the last page has no next', async () => {
    const all = ids(23);
    const pages = await walk(all, 5, 6);
    assert.deepEqual(
      pages.map((p) => p.length),
      [5, 5, 5, 5, 3],
    );
    assert.deepEqual(pages.flat(), all);
  });

  it('has no next after a full last page (20 items, 5 a page), nor after a cloud token to an empty page', async () => {
    for (const emptyLastPage of [false, true]) {
      const pages = await walk(ids(20), 5, 5, { emptyLastPage });
      assert.deepEqual(
        pages.map((p) => p.length),
        [5, 5, 5, 5],
        `emptyLastPage ${String(emptyLastPage)}`,
      );
      assert.deepEqual(pages.flat(), ids(20));
    }
  });

  it('fills pages larger than the native ones, and native ones larger than pages', async () => {
    assert.deepEqual((await walk(ids(31), 7, 3)).flat(), ids(31));
    assert.deepEqual((await walk(ids(31), 4, 1000)).flat(), ids(31));
    assert.deepEqual(await walk([], 4, 5), [[]]);
  });

  it('skips what the cloud cannot filter out, and still ends exactly', async () => {
    const all = ids(40);
    const even = (s: string) => Number(s.slice(4)) % 2 === 0;
    const pages = await walk(all, 5, 6, { keep: even });
    assert.deepEqual(pages.flat(), all.filter(even));
    assert.deepEqual(
      pages.map((p) => p.length),
      [5, 5, 5, 5],
    );
  });

  it('takes a plain image ID from a page before 1.19 and goes on after it', async () => {
    const all = ids(30);
    const { fetch } = vendor(all);
    const page = await pageByTokens({
      limit: 4,
      marker: all[17],
      pageSize: 5,
      maxPageSize: 1000,
      fetch,
      id: (s) => s,
    });
    assert.deepEqual(page.items, all.slice(18, 22));
    const after = await pageByTokens({
      limit: 100,
      marker: page.next,
      pageSize: 5,
      maxPageSize: 1000,
      fetch,
      id: (s) => s,
    });
    assert.deepEqual(after.items, all.slice(22));
    assert.equal(after.next, undefined);
    await assert.rejects(
      pageByTokens({ limit: 4, marker: 'ami-ffffffff', pageSize: 5, maxPageSize: 1000, fetch, id: (s) => s }),
      refused,
    );
  });

  it('resumes a marker at the native page and position it names, with the page size it was made with', async () => {
    const all = ids(30);
    const { fetch, calls } = vendor(all);
    const token = Buffer.from('10').toString('base64');
    const page = await pageByTokens({
      limit: 3,
      marker: encodeMarker({ t: token, k: 2, n: 4 }),
      pageSize: 50,
      maxPageSize: 1000,
      fetch,
      id: (s) => s,
    });
    assert.deepEqual(page.items, all.slice(12, 15));
    assert.deepEqual(calls[0], { token, size: 4 });
    assert.deepEqual(decodeMarker(page.next ?? '', 1000), {
      t: Buffer.from('14').toString('base64'),
      k: 1,
      n: 4,
    });
  });

  it('refuses markers it did not make by name, a page size above the cloud maximum and a position past the page', async () => {
    const { fetch } = vendor(ids(10));
    for (const marker of [
      '~p1.!!!',
      `~p1.${Buffer.from('[1]').toString('base64url')}`,
      encodeMarker({ k: -1, n: 5 }),
      encodeMarker({ k: 0, n: 5000 }),
      encodeMarker({ k: 9, n: 5 }),
    ]) {
      await assert.rejects(
        pageByTokens({ limit: 4, marker, pageSize: 5, maxPageSize: 1000, fetch, id: (s) => s }),
        refused,
        marker,
      );
    }
    assert.equal(decodeMarker('ami-12345678', 1000), undefined);
  });
});
