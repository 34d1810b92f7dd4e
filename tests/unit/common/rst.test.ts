import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { heading, label, literal, text } from '../../../src/common/rst';

/** Text that reStructuredText would read as markup if it were written as it is. */
const HOSTILE = [
  'A *strong* claim, `interpreted`, ``literal`` and |substitution|.',
  'A reference_ to nothing, an anonymous__ one and a footnote [1]_.',
  '- reads as a bullet',
  '+ reads as a bullet too',
  '1. reads as an enumerated list',
  '#. auto-numbered',
  '.. reads as a comment',
  'Ends in a literal block marker::',
  'A backslash \\ and C:\\path\\_x.',
  'rabbit://user:pass@host:port[,user:pass@host:port]/virtual_host.',
  '__init__ and _private names.',
];

/**
 * The plain text docutils makes of a one-paragraph document, or undefined when Debian's docutils is not
 * there (tools/ensure-doc-deps.sh installs it with Sphinx; npm test runs it first).
 */
function docutilsText(source: string): { text: string; warnings: string } | undefined {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return undefined;
  const script = [
    'import io, sys',
    'try:',
    '    import docutils.core',
    'except ImportError:',
    '    sys.exit(3)',
    'err = io.StringIO()',
    "doc = docutils.core.publish_doctree(sys.stdin.read(), settings_overrides={'warning_stream': err, 'report_level': 1})",
    "kinds = sorted({n.tagname for n in doc.traverse() if n.tagname not in ('document', 'paragraph', '#text')})",
    "sys.stdout.write(repr(kinds) + '\\n' + doc.astext())",
    'sys.stderr.write(err.getvalue())',
  ].join('\n');
  const run = spawnSync(python, ['-c', script], { input: source, encoding: 'utf8' });
  if (run.status === 3) return undefined;
  assert.equal(run.status, 0, run.stderr);
  return { text: run.stdout, warnings: run.stderr };
}

describe('rst helpers', () => {
  it('text() escapes inline markup and leading list or comment syntax', () => {
    assert.equal(text('a *b* `c` |d|'), 'a \\*b\\* \\`c\\` \\|d\\|');
    assert.equal(text('see name_ or [1]_ but not snake_case'), 'see name\\_ or [1]\\_ but not snake_case');
    assert.equal(text('- item'), '\\- item');
    assert.equal(text('2. item'), '\\2. item');
    assert.equal(text('.. comment'), '\\.. comment');
    assert.equal(text('ends::'), 'ends\\::');
    assert.equal(text('a\\b'), 'a\\\\b');
    assert.equal(text('  two\n  lines\tand  spaces '), 'two lines and spaces');
    assert.equal(text('-1 is negative'), '-1 is negative');
  });

  it('text() reads back as the same plain paragraph in docutils', function () {
    for (const value of HOSTILE) {
      const parsed = docutilsText(text(value));
      if (parsed === undefined) this.skip();
      assert.equal(parsed.warnings, '', value);
      assert.equal(parsed.text, `[]\n${value}`, value);
    }
  });

  it('literal() quotes a value, says (empty) for nothing, and falls back to :literal: for backquotes', () => {
    assert.equal(literal('role:admin'), '``role:admin``');
    assert.equal(literal('<None>'), '``<None>``');
    assert.equal(literal(''), '(empty)');
    assert.equal(literal('a `b` c'), ':literal:`a \\`b\\` c`');
    assert.throws(() => literal(' padded'), /surrounding spaces/);
    assert.throws(() => literal('two\nlines'), /one line/);
  });

  it('literal() reads back as one literal in docutils', function () {
    for (const value of ['role:admin', 'a `b` c', 'x``y', 'C:\\dir\\', '*|_[1]_']) {
      const parsed = docutilsText(`Value: ${literal(value)}`);
      if (parsed === undefined) this.skip();
      assert.equal(parsed.warnings, '', value);
      assert.equal(parsed.text, `['literal']\nValue: ${value}`, value);
    }
  });

  it('heading() underlines (and overlines) to the length of the title', () => {
    assert.deepEqual(heading('[agent]', '='), ['[agent]', '=======']);
    assert.deepEqual(heading('Policy', '=', true), ['======', 'Policy', '======']);
    assert.throws(() => heading('a\nb', '-'), /one line/);
  });

  it('label() makes a lower-case slug', () => {
    assert.equal(label('config-DEFAULT-transport_url'), '.. _config-default-transport-url:');
    assert.equal(
      label('policy-gimming:image:list_all_projects'),
      '.. _policy-gimming-image-list-all-projects:',
    );
    assert.throws(() => label('::'), /no label/);
  });
});
