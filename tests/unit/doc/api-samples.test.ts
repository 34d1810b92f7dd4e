import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Run from dist/tests/unit/doc/.
const REPO = resolve(__dirname, '..', '..', '..', '..');
const API = join(REPO, 'api-ref', 'source');
const SAMPLES = join(API, 'samples');

/** Every `.. literalinclude::` of the API reference's parts (index.rst and the *.inc it includes). */
function includes(): Array<{ page: string; target: string; language: string | undefined }> {
  const found: Array<{ page: string; target: string; language: string | undefined }> = [];
  for (const page of readdirSync(API).filter((f) => f.endsWith('.rst') || f.endsWith('.inc'))) {
    const lines = readFileSync(join(API, page), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = /^\s*\.\. literalinclude::\s*(\S+)\s*$/.exec(line);
      if (!m) return;
      let language: string | undefined;
      for (let j = i + 1; j < lines.length && /^\s+:[a-z-]+:/.test(lines[j] ?? ''); j++) {
        const option = /^\s+:language:\s*(\S+)/.exec(lines[j] ?? '');
        if (option) language = option[1];
      }
      found.push({ page, target: m[1] as string, language });
    });
  }
  return found;
}

describe('API reference samples', () => {
  it('has pages and samples where the tests look for them', () => {
    assert.ok(existsSync(join(API, 'index.rst')), API);
    assert.ok(readdirSync(SAMPLES).length > 0, SAMPLES);
  });

  it('every file in api-ref/source/samples/ is valid JSON, named <resource>-<call>-...-request|response.json', () => {
    for (const name of readdirSync(SAMPLES)) {
      assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)+-(request|response)\.json$/, name);
      const text = readFileSync(join(SAMPLES, name), 'utf8');
      assert.doesNotThrow(() => JSON.parse(text) as unknown, `${name} is not valid JSON`);
    }
  });

  it('every sample is included by a page of the API reference', () => {
    const used = new Set(includes().map((i) => resolve(API, i.target)));
    const unused = readdirSync(SAMPLES).filter((name) => !used.has(join(SAMPLES, name)));
    assert.deepEqual(unused, [], `samples no page includes: ${unused.join(', ')}`);
  });

  it('every literalinclude of the API reference points at an existing sample, as json', () => {
    const all = includes();
    assert.ok(all.length > 0, 'no literalinclude found');
    for (const { page, target, language } of all) {
      const path = resolve(API, target);
      assert.ok(path.startsWith(SAMPLES + '/'), `${page}: ${target} is not in samples/`);
      assert.ok(existsSync(path), `${page}: ${target} does not exist`);
      assert.equal(language, 'json', `${page}: ${target} needs :language: json`);
    }
  });
});
