import assert from 'node:assert/strict';
import { capabilityText } from '../../../src/gimmingclient/shell/cloud-commands';

describe('gimming cloud show: a capability on one line', () => {
  it('joins a list, and says - for an empty one', () => {
    assert.equal(capabilityText(['raw', 'qcow2']), 'raw, qcow2');
    assert.equal(capabilityText([]), '-');
  });

  it('gives an object (size_limits) as its key=value pairs, never [object Object]', () => {
    const text = capabilityText({
      image_bytes: 1099511627776,
      image_bytes_from: '[agent] glance_image_size_cap',
      scratch_bytes: 0,
    });
    assert.equal(
      text,
      'image_bytes=1099511627776, image_bytes_from=[agent] glance_image_size_cap, scratch_bytes=0',
    );
  });

  it('gives booleans and numbers as they are', () => {
    assert.equal(capabilityText(true), 'true');
    assert.equal(capabilityText(3), '3');
  });
});
