/**
 * The `upgrade check` command in oslo.upgradecheck's shape (what nova-status and glance-status are built
 * on): checks that each give Success, Warning or Failure with details, shown as one table (or JSON with
 * --json), and an exit code operators and deployment tools already read: 0 all succeeded, 1 a warning
 * at worst, 2 a failure, 255 the command itself failed.
 */

export enum Code {
  SUCCESS = 0,
  WARNING = 1,
  FAILURE = 2,
}

/** The exit code when the command itself fails (a bad configuration, a bug in a check). */
export const ERROR_EXIT = 255;

const LABELS: Record<Code, string> = {
  [Code.SUCCESS]: 'Success',
  [Code.WARNING]: 'Warning',
  [Code.FAILURE]: 'Failure',
};

export interface CheckResult {
  code: Code;
  details: string | null;
}

export const success = (details: string | null = null): CheckResult => ({ code: Code.SUCCESS, details });
export const warning = (details: string): CheckResult => ({ code: Code.WARNING, details });
export const failure = (details: string): CheckResult => ({ code: Code.FAILURE, details });

/** The worst of several results, their details joined (the worst first). */
export function worst(results: CheckResult[], whenNone: CheckResult = success()): CheckResult {
  if (results.length === 0) return whenNone;
  const sorted = [...results].sort((a, b) => b.code - a.code);
  const details = sorted.map((r) => r.details).filter((d): d is string => Boolean(d));
  return { code: (sorted[0] as CheckResult).code, details: details.length > 0 ? details.join(' ') : null };
}

export interface NamedResult {
  check: string;
  result: CheckResult;
}

export const TITLE = 'Upgrade Check Results';

export function exitCode(results: readonly NamedResult[]): Code {
  return results.reduce<Code>((code, r) => (r.result.code > code ? r.result.code : code), Code.SUCCESS);
}

/** Wraps `text` at `width` characters, the lines after the first indented by two spaces (as oslo). */
function wrap(text: string, width = 60): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const limit = lines.length === 0 ? width : width - 2;
    if (line && line.length + 1 + word.length > limit) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : `  ${l}`));
}

/** The table oslo.upgradecheck prints: one cell per check with its name, result and details. */
export function renderTable(results: readonly NamedResult[]): string {
  const cells = results.map(({ check, result }) => {
    const details = result.details ? wrap(result.details) : ['None'];
    return [
      `Check: ${check}`,
      `Result: ${LABELS[result.code]}`,
      `Details: ${details[0]}`,
      ...details.slice(1),
    ];
  });
  const width = Math.max(TITLE.length, ...cells.flat().map((l) => l.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  const row = (text: string) => `| ${text.padEnd(width)} |`;
  const out = [rule, row(TITLE), rule];
  for (const cell of cells) {
    out.push(...cell.map(row), rule);
  }
  return `${out.join('\n')}\n`;
}

/** The --json form: `{"name": ..., "checks": [{"check", "result" (the code), "details"}]}`. */
export function renderJson(results: readonly NamedResult[]): string {
  return `${JSON.stringify({
    name: TITLE,
    checks: results.map(({ check, result }) => ({ check, result: result.code, details: result.details })),
  })}\n`;
}
