import assert from 'node:assert/strict';
import { GoogleApiError } from '../../../../tools/gce-standin/errors';
import { answer, checkMessage, checkQuery, messageType } from '../../../../tools/gce-standin/messages';
import { checkLabels, checkName } from '../../../../tools/gce-standin/names';
import { matches, parseFilter } from '../../../../tools/gce-standin/list-filter';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof GoogleApiError) return e.status;
    throw e;
  }
  return undefined;
}

describe('gce-standin messages, names and filters', function () {
  this.timeout(20000);

  it("checks bodies against @google-cloud/compute's Image message", () => {
    const image = messageType('Image');
    assert.equal(
      status(() =>
        checkMessage(
          image,
          { name: 'a', rawDisk: { source: 's', containerType: 'TAR' }, diskSizeGb: '10', labels: { k: 'v' } },
          'resource',
        ),
      ),
      undefined,
    );
    assert.equal(
      status(() => checkMessage(image, { name: 'a', bootable: true }, 'resource')),
      400,
    );
    assert.equal(
      status(() => checkMessage(image, { rawDisk: { url: 's' } }, 'resource')),
      400,
    );
    assert.equal(
      status(() => checkMessage(image, { diskSizeGb: 'ten' }, 'resource')),
      400,
    );
    assert.equal(
      status(() => checkMessage(image, { labels: { k: 1 } }, 'resource')),
      400,
    );
    assert.equal(
      status(() => checkMessage(image, { guestOsFeatures: { type: 'UEFI_COMPATIBLE' } }, 'resource')),
      400,
    );
    assert.equal(
      status(() => checkMessage(image, { guestOsFeatures: [{ type: 'UEFI_COMPATIBLE' }] }, 'resource')),
      undefined,
    );
  });

  it('checks query parameters against the request message, not its path or body fields', () => {
    assert.deepEqual(
      checkQuery(
        'Images',
        'List',
        'ListImagesRequest',
        new URLSearchParams('filter=x&maxResults=2&$alt=json'),
      ),
      { filter: 'x', maxResults: '2' },
    );
    assert.equal(
      status(() => checkQuery('Images', 'List', 'ListImagesRequest', new URLSearchParams('colour=blue'))),
      400,
    );
    assert.equal(
      status(() => checkQuery('Images', 'List', 'ListImagesRequest', new URLSearchParams('project=p'))),
      400,
    );
    assert.equal(
      status(() =>
        checkQuery('Images', 'Insert', 'InsertImageRequest', new URLSearchParams('imageResource=x')),
      ),
      400,
    );
  });

  it('refuses to answer a field the message does not define (a stand-in bug is a 500)', () => {
    assert.equal(
      status(() => answer('Operation', { name: 'op', status: 'DONE', progress: 100 })),
      undefined,
    );
    assert.equal(
      status(() => answer('Operation', { name: 'op', state: 'DONE' })),
      500,
    );
  });

  it("applies GCE's name and label rules", () => {
    for (const ok of ['a', 'a-b-1', 'x'.repeat(63)]) assert.equal(checkName('resource.name', ok), ok);
    for (const bad of ['', 'A', '1a', 'a-', 'a_b', 'x'.repeat(64)])
      assert.equal(
        status(() => checkName('resource.name', bad)),
        400,
      );
    assert.deepEqual(checkLabels('labels', { k: '', 'a_b-1': 'v_1-x' }), { k: '', 'a_b-1': 'v_1-x' });
    assert.equal(
      status(() => checkLabels('labels', { K: 'v' })),
      400,
    );
    assert.equal(
      status(() => checkLabels('labels', { k: 'V' })),
      400,
    );
    assert.equal(
      status(() => checkLabels('labels', { k: 'x'.repeat(64) })),
      400,
    );
    assert.equal(
      status(() =>
        checkLabels('labels', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))),
      ),
      400,
    );
  });

  it('filters by name and labels', () => {
    const img = { name: 'img-1', status: 'READY', labels: { a: 'b' } };
    assert.ok(matches(img, parseFilter('labels.a=b')));
    assert.ok(matches(img, parseFilter('(labels.a = "b") AND (name = img-1)')));
    assert.ok(matches(img, parseFilter('name eq img-.*')));
    assert.ok(!matches(img, parseFilter('labels.a != b')));
    assert.ok(!matches(img, parseFilter('labels.c = b')));
    assert.equal(
      status(() => parseFilter('name = a OR name = b')),
      400,
    );
  });
});
