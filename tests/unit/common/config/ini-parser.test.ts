import assert from 'node:assert/strict';
import { IniError, parseIni } from '../../../../src/common/config/ini-parser';

describe('ini files, read as oslo.config reads them', () => {
  it('keeps # and ; inside values (no inline comments), and skips whole-line comments', () => {
    const parsed = parseIni(
      '# a comment\n; another\n[keystone_authtoken]\npassword = pa#ss;word  \nuser: gimming\n',
    );
    assert.deepEqual({ ...parsed.keystone_authtoken }, { password: 'pa#ss;word', user: 'gimming' });
  });

  it('removes matching quotes, continues indented lines, and merges a group given twice', () => {
    const parsed = parseIni('[a]\nx = "quoted # value"\ny = one\n  two\n[b]\nz = 1\n[a]\ny = last\n');
    assert.deepEqual({ ...parsed.a }, { x: 'quoted # value', y: 'last' });
    assert.deepEqual({ ...parsed.b }, { z: '1' });
    assert.equal(parseIni('[a]\ny = one\n  two\n').a?.y, 'one\ntwo');
  });

  it('refuses an option outside any group and a line that is no option', () => {
    assert.throws(() => parseIni('x = 1\n'), IniError);
    assert.throws(() => parseIni('[a]\njust words\n'), /line 2/);
    assert.throws(() => parseIni('  x = 1\n'), /continuation/);
  });
});
