/**
 * The few reStructuredText constructs the generated references (configuration options, policy rules) are
 * written with, so that text taken from the code reads as plain text in Sphinx and never as markup.
 */

/** A section title underlined (and, for a page title, overlined) with `char`. */
export function heading(title: string, char: '=' | '-' | '~', overline = false): string[] {
  if (/\n/.test(title)) throw new Error(`a title is one line: ${JSON.stringify(title)}`);
  const rule = char.repeat(title.length);
  return overline ? [rule, title, rule] : [title, rule];
}

/**
 * Text as one plain paragraph: backslashes, the characters that start inline markup (`*`, `` ` ``, `|`)
 * and an underscore that could end a reference (`word_`, `[1]_`) are escaped, line breaks become spaces,
 * and a leading bullet, enumerator or `..` and a trailing `::` are escaped, so that text taken from the
 * code never reads as markup.
 */
export function text(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\*`|]/g, (c) => `\\${c}`)
    .replace(/_(?=[^A-Za-z0-9]|$)/g, '\\_')
    .replace(/^([-+•]|\d+[.)]|#[.)]|\.\.)(?= |$)/, '\\$1')
    .replace(/::$/, '\\::');
}

/** A value as an inline literal (``value``), or "(empty)" for the empty string. */
export function literal(value: string): string {
  if (value === '') return '(empty)';
  if (/^\s|\s$|\n/.test(value)) {
    throw new Error(`an inline literal is one line without surrounding spaces: ${JSON.stringify(value)}`);
  }
  // An inline literal cannot hold a backquote where it could end it: use the :literal: role, escaped.
  if (value.includes('`')) return `:literal:\`${value.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
  return `\`\`${value}\`\``;
}

/** A label other pages can :ref: (Sphinx folds labels to lower case; keep to [a-z0-9-]). */
export function label(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  if (!slug) throw new Error(`no label can be made of ${JSON.stringify(name)}`);
  return `.. _${slug}:`;
}

/** The comment every generated page starts with. */
export function generatedBanner(source: string, command: string): string[] {
  return [
    `.. This file is generated from ${source} by \`${command}\`: do not edit it by hand.`,
    '   tools/check-generated.sh (run by npm test) fails when it is stale.',
    '',
  ];
}
