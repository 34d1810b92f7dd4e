/**
 * What a SIGHUP reload compares: the options that changed, by name, so that those a reload does not
 * apply are named in a warning; the log level set at once.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loadConfig } from '../../support/config';
import { getLogger, setLogLevel, setupLogging } from '../../../src/common/log';
import { RELOADED_OPTIONS, changedOptions } from '../../../src/cmd/reload';

describe('SIGHUP reload', () => {
  it('names the options that changed, a reloaded one among them', () => {
    const before = loadConfig([], {});
    const after = loadConfig([], { OS_DEFAULT__DEBUG: 'true', OS_CONDUCTOR__AGENT_DOWN_TIME: '99' });
    assert.deepEqual(changedOptions(before, after), ['DEFAULT.debug', 'conductor.agent_down_time']);
    assert.deepEqual(changedOptions(before, loadConfig([], {})), []);
    assert.ok(RELOADED_OPTIONS.includes('DEFAULT.debug'));
  });

  it('sets the level of loggers made before, at once', () => {
    const lines: string[] = [];
    setupLogging(
      'gimming-test',
      false,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const log = getLogger('reload-test');
    log.debug('hidden');
    setLogLevel(true);
    log.debug('shown');
    setLogLevel(false);
    log.debug('hidden again');
    setupLogging('gimming', false);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { message: string }).message),
      ['shown'],
    );
  });
});
