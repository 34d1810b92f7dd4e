/**
 * An image family in the dashboard's words (src/common/family-words.ts): the lifecycle changes a version
 * in each state is offered, what each asks before it is made, a version's name and a channel's moves.
 */
import assert from 'node:assert/strict';
import { confirmation, historyWords, lifecycleActions, versionName } from '../../../src/common/family-words';

const states = (s: string) => lifecycleActions(s).map((a) => a.state);

describe("a family's words in the dashboard", () => {
  it('offers each stronger lifecycle state, and undo once the version is not active', () => {
    assert.deepEqual(states('active'), ['deprecated', 'obsolete', 'revoked']);
    assert.deepEqual(states('deprecated'), ['obsolete', 'revoked', 'active']);
    assert.deepEqual(states('obsolete'), ['revoked', 'active']);
    assert.deepEqual(states('revoked'), ['active']);
    // A state of a newer API it does not know: only back to active.
    assert.deepEqual(states('quarantined'), ['active']);
    assert.deepEqual(
      lifecycleActions('deprecated').map((a) => a.label),
      ['Obsolete', 'Revoke', 'Undo'],
    );
  });

  it('marks what takes a version out of use, and says it in the confirmation', () => {
    const by = Object.fromEntries(lifecycleActions('active').map((a) => [a.state, a]));
    assert.equal(by.deprecated?.danger, false);
    assert.equal(by.obsolete?.danger, true);
    assert.equal(by.revoked?.danger, true);
    const revoke = by.revoked;
    assert.ok(revoke);
    const asked = confirmation('ubuntu-24.04', '3 (20261203)', revoke);
    assert.match(asked, /^Revoke version 3 \(20261203\) of ubuntu-24\.04\? /);
    assert.match(asked, /latest moves back/);
    const undo = lifecycleActions('revoked')[0];
    assert.ok(undo);
    assert.match(
      confirmation('f', '2', undo),
      /^Undo the lifecycle change of version 2 of f\? It becomes active/,
    );
  });

  it("names a version by its number and label, and a channel's moves in words", () => {
    assert.equal(versionName({ sequence: 3, label: '20261203' }), '3 (20261203)');
    assert.equal(versionName({ sequence: 4, label: null }), '4');
    assert.equal(versionName(null), 'none');
    assert.equal(
      historyWords({ action: 'promote', version: 2, previous_version: 1 }),
      'promoted to 2, from 1',
    );
    assert.equal(historyWords({ action: 'promote', version: 1, previous_version: null }), 'promoted to 1');
    assert.equal(
      historyWords({ action: 'rollback', version: 1, previous_version: 2 }),
      'rolled back to 1, from 2',
    );
    assert.equal(
      historyWords({ action: 'follow', version: 2, previous_version: 1 }),
      'followed the newest version to 2, from 1',
    );
    assert.equal(
      historyWords({ action: 'clear', version: null, previous_version: 2 }),
      'cleared (version 2 was revoked)',
    );
    assert.equal(historyWords({ action: 'moved', version: 5, previous_version: null }), 'moved: 5');
  });
});
