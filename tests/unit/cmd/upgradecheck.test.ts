import assert from 'node:assert/strict';
import {
  Code,
  exitCode,
  failure,
  renderJson,
  renderTable,
  success,
  warning,
  worst,
} from '../../../src/cmd/upgradecheck';

describe('upgrade check results', () => {
  it('exit with the worst code', () => {
    assert.equal(exitCode([]), Code.SUCCESS);
    assert.equal(exitCode([{ check: 'a', result: success() }]), 0);
    assert.equal(
      exitCode([
        { check: 'a', result: warning('w') },
        { check: 'b', result: success() },
      ]),
      1,
    );
    assert.equal(
      exitCode([
        { check: 'a', result: failure('f') },
        { check: 'b', result: warning('w') },
      ]),
      2,
    );
  });

  it('combine into the worst, its details first', () => {
    assert.deepEqual(worst([warning('W.'), failure('F.'), success('S.')]), {
      code: Code.FAILURE,
      details: 'F. W. S.',
    });
    assert.deepEqual(worst([], success('none')), { code: Code.SUCCESS, details: 'none' });
  });

  it("print oslo.upgradecheck's table, details wrapped at 60 characters", () => {
    const table = renderTable([
      { check: 'Database schema', result: success() },
      { check: 'Agents', result: warning(`${'word '.repeat(20)}end.`) },
    ]);
    const lines = table.trimEnd().split('\n');
    assert.equal(lines[0], `+${'-'.repeat(lines[0]!.length - 2)}+`);
    assert.match(lines[1]!, /^\| Upgrade Check Results +\|$/);
    assert.deepEqual(
      lines.slice(3, 6).map((l) => l.replace(/ +\|$/, '')),
      ['| Check: Database schema', '| Result: Success', '| Details: None'],
    );
    assert.equal(lines[7], '| Check: Agents'.padEnd(lines[0].length - 1) + '|');
    assert.match(lines[9]!, /^\| Details: (word ){11}word +\|$/);
    assert.match(lines[10]!, /^\| {3}word/, 'continuation lines indented by two spaces');
    assert.ok(lines.every((l) => l.length === lines[0]!.length));
  });

  it('print JSON with the result codes', () => {
    assert.deepEqual(JSON.parse(renderJson([{ check: 'A', result: failure('broken') }])), {
      name: 'Upgrade Check Results',
      checks: [{ check: 'A', result: 2, details: 'broken' }],
    });
  });
});
