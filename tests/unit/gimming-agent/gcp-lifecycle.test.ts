/**
 * A version's lifecycle in GCE's terms (issue 19): each state to a DeprecationStatus and back, the times
 * of states already reached kept, the replacement as an image URL, a state already set needing no call,
 * the driver advertising the states; and the stand-in's check of images.deprecate bodies against the
 * DeprecationStatus message @google-cloud/compute ships (unknown fields, states and times refused).
 */
import assert from 'node:assert/strict';
import { driver } from '../../../src/gimming-agent/drivers/gcp';
import {
  alreadySet,
  deprecationStatus,
  gceLifecycle,
  imageUrl,
} from '../../../src/gimming-agent/drivers/gcp/lifecycle';
import { toCloudImage } from '../../../src/gimming-agent/drivers/gcp/record';
import { checkDeprecation, checkUsable } from '../../../tools/gce-standin/deprecation';
import type { ImageRec } from '../../../tools/gce-standin/state';

const NOW = new Date('2026-12-03T16:00:00.000Z');
const EARLIER = '2026-11-26T09:30:00.000Z';
const URL = 'https://www.googleapis.com/compute/v1/projects/p-1/global/images/v2-0123456789abcdef';

describe('gcp driver: lifecycle as a deprecation status', () => {
  it('maps each state to DeprecationStatus.State, with the times reached now', () => {
    assert.deepEqual(deprecationStatus('active', { state: 'DELETED', deleted: EARLIER }, NOW), {
      state: 'ACTIVE',
    });
    assert.deepEqual(deprecationStatus('deprecated', undefined, NOW, URL), {
      state: 'DEPRECATED',
      deprecated: NOW.toISOString(),
      replacement: URL,
    });
    assert.deepEqual(deprecationStatus('obsolete', undefined, NOW), {
      state: 'OBSOLETE',
      deprecated: NOW.toISOString(),
      obsolete: NOW.toISOString(),
    });
    assert.deepEqual(deprecationStatus('revoked', null, NOW), {
      state: 'DELETED',
      deprecated: NOW.toISOString(),
      obsolete: NOW.toISOString(),
      deleted: NOW.toISOString(),
    });
  });

  it('keeps the time of a state already reached, and not of one left', () => {
    const deprecated = { state: 'DEPRECATED', deprecated: EARLIER };
    assert.deepEqual(deprecationStatus('revoked', deprecated, NOW), {
      state: 'DELETED',
      deprecated: EARLIER,
      obsolete: NOW.toISOString(),
      deleted: NOW.toISOString(),
    });
    // Back from DELETED to DEPRECATED: the deprecation time stays, the others go.
    const deleted = { state: 'DELETED', deprecated: EARLIER, obsolete: EARLIER, deleted: EARLIER };
    assert.deepEqual(deprecationStatus('deprecated', deleted, NOW), {
      state: 'DEPRECATED',
      deprecated: EARLIER,
    });
    // An ACTIVE status that only announces an end of life does not count as deprecated already.
    assert.deepEqual(deprecationStatus('deprecated', { state: 'ACTIVE', deprecated: EARLIER }, NOW), {
      state: 'DEPRECATED',
      deprecated: NOW.toISOString(),
    });
  });

  it('reads a status back as the lifecycle, absent or ACTIVE being active', () => {
    assert.equal(gceLifecycle(undefined), 'active');
    assert.equal(gceLifecycle({ state: 'ACTIVE', deleted: EARLIER }), 'active');
    assert.equal(gceLifecycle({ state: 'DEPRECATED' }), 'deprecated');
    assert.equal(gceLifecycle({ state: 'OBSOLETE' }), 'obsolete');
    assert.equal(gceLifecycle({ state: 'DELETED' }), 'revoked');
    const shown = toCloudImage({ name: 'img-1', status: 'READY', deprecated: { state: 'DELETED' } }, 'p-1');
    assert.equal(shown.lifecycle, 'revoked');
    assert.equal(shown.status, 'active', "GCE's DELETED state leaves the image READY");
    assert.equal(toCloudImage({ name: 'img-1', status: 'READY' }, 'p-1').lifecycle, 'active');
  });

  it('names the replacement by its self link, and needs no call for a state already set', () => {
    assert.equal(imageUrl('p-1', 'v2-0123456789abcdef'), URL);
    assert.equal(imageUrl('p-1', URL), URL);
    assert.equal(alreadySet('active', undefined), true);
    assert.equal(alreadySet('active', { state: 'DEPRECATED' }), false);
    assert.equal(alreadySet('deprecated', { state: 'DEPRECATED', replacement: URL }, URL), true);
    assert.equal(alreadySet('deprecated', { state: 'DEPRECATED' }, URL), false, 'a replacement to add');
    assert.equal(alreadySet('obsolete', { state: 'DEPRECATED' }), false);
  });

  it('advertises deprecated, obsolete and revoked', () => {
    assert.deepEqual(driver.capabilities.lifecycleStates, ['deprecated', 'obsolete', 'revoked']);
  });
});

describe('gce-standin: images.deprecate', () => {
  it('takes what the driver sends, and shows ACTIVE with no time as no field', () => {
    const body = deprecationStatus('revoked', undefined, NOW, URL);
    assert.deepEqual(checkDeprecation(body), body);
    assert.equal(checkDeprecation({ state: 'ACTIVE' }), undefined);
    assert.equal(checkDeprecation({}), undefined);
    assert.deepEqual(checkDeprecation({ state: 'ACTIVE', deleted: EARLIER }), {
      state: 'ACTIVE',
      deleted: EARLIER,
    });
  });

  it('refuses unknown fields, states, times and replacements', () => {
    const refused = (body: unknown, re: RegExp) =>
      assert.throws(
        () => checkDeprecation(body),
        (e: Error & { status?: number }) => {
          assert.equal(e.status, 400);
          assert.match(e.message, re);
          return true;
        },
      );
    refused({ state: 'DEPRECATED', reason: 'old' }, /Unknown name "reason"/);
    refused({ state: 'RETIRED' }, /deprecationStatusResource\.state.*Must be one of ACTIVE/);
    refused({ state: 'UNDEFINED_STATE' }, /Must be one of/);
    refused({ state: 'DEPRECATED', deprecated: 'tomorrow' }, /deprecationStatusResource\.deprecated/);
    refused({ state: 'DEPRECATED', obsolete: 12 }, /TYPE_STRING/);
    refused({ state: 'DEPRECATED', replacement: 'v2-image' }, /URL of an image/);
  });

  it('refuses an OBSOLETE or DELETED image as a source, not a DEPRECATED one', () => {
    const rec = (state?: string): ImageRec => ({
      project: 'p-1',
      image: { name: 'img-1', id: '1', status: 'READY', ...(state ? { deprecated: { state } } : {}) },
      policy: { bindings: [], etag: 'BwAAAAA=', version: 1 },
    });
    checkUsable(rec(), 'resource.sourceImage');
    checkUsable(rec('DEPRECATED'), 'resource.sourceImage');
    assert.throws(() => checkUsable(rec('OBSOLETE'), 'resource.sourceImage'), /is obsolete/);
    assert.throws(() => checkUsable(rec('DELETED'), 'resource.sourceImage'), /is deleted/);
  });
});
