/**
 * Output in the openstack client's (cliff's) formats: a list as table, csv, json, yaml or value; one object
 * as table (Field / Value), json, yaml, value or shell. Columns are chosen with -c (repeatable) and lists
 * sorted with --sort-column.
 */
import Table from 'cli-table3';
import { stringify as toYaml } from 'yaml';

export type Cell = string | number | boolean | null | undefined | Record<string, unknown> | unknown[];
export type Row = Record<string, Cell>;

export const LIST_FORMATS = ['table', 'csv', 'json', 'yaml', 'value'] as const;
export const SHOW_FORMATS = ['table', 'json', 'yaml', 'value', 'shell'] as const;

export interface FormatOptions {
  format: string;
  columns: string[];
  sortColumns: string[];
  sortDescending: boolean;
  noindent: boolean;
  prefix: string;
}

export class UsageError extends Error {}

/** Tables drawn as the openstack client's (prettytable): ASCII borders, a line under the header only. */
const TABLE_STYLE = {
  style: { head: [] as string[], border: [] as string[], compact: true },
  chars: {
    top: '-',
    'top-mid': '+',
    'top-left': '+',
    'top-right': '+',
    bottom: '-',
    'bottom-mid': '+',
    'bottom-left': '+',
    'bottom-right': '+',
    left: '|',
    'left-mid': '+',
    mid: '-',
    'mid-mid': '+',
    right: '|',
    'right-mid': '+',
    middle: '|',
  },
};

/** A cell as text: objects and lists as compact JSON (cliff prints them as Python reprs). */
function text(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function pickColumns(all: string[], wanted: string[]): string[] {
  if (wanted.length === 0) return all;
  for (const c of wanted) {
    if (!all.includes(c)) throw new UsageError(`No column named ${c}; the columns are: ${all.join(', ')}.`);
  }
  return wanted;
}

function compare(a: Cell, b: Cell): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return text(a).localeCompare(text(b));
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Renders rows that all have `columns` (in that order). `headers` gives a table's head for a column
 * other than its name (the name is still what -c, --sort-column and the other formats use).
 */
export function renderList(
  columns: string[],
  rows: Row[],
  opts: FormatOptions,
  headers: Record<string, string> = {},
): string {
  const cols = pickColumns(columns, opts.columns);
  const sorted = [...rows];
  for (const key of [...opts.sortColumns].reverse()) {
    if (!columns.includes(key)) throw new UsageError(`Cannot sort by ${key}: no such column.`);
    sorted.sort((x, y) => (opts.sortDescending ? -1 : 1) * compare(x[key], y[key]));
  }
  const picked = sorted.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null])) as Row);
  switch (opts.format) {
    case 'json':
      return JSON.stringify(picked, null, opts.noindent ? undefined : 2);
    case 'yaml':
      return toYaml(picked).trimEnd();
    case 'csv':
      return [cols, ...picked.map((r) => cols.map((c) => text(r[c])))]
        .map((line) => line.map(csvField).join(','))
        .join('\n');
    case 'value':
      return picked.map((r) => cols.map((c) => text(r[c])).join(' ')).join('\n');
    case 'table': {
      if (picked.length === 0) return '';
      const table = new Table({ head: cols.map((c) => headers[c] ?? c), ...TABLE_STYLE });
      for (const r of picked) table.push(cols.map((c) => text(r[c])));
      return table.toString();
    }
    default:
      throw new UsageError(`Unknown format ${opts.format}; choose from ${LIST_FORMATS.join(', ')}.`);
  }
}

/** Renders one object's fields (in the order given). */
export function renderOne(fields: Row, opts: FormatOptions): string {
  const names = pickColumns(Object.keys(fields), opts.columns);
  const picked = Object.fromEntries(names.map((n) => [n, fields[n] ?? null])) as Row;
  switch (opts.format) {
    case 'json':
      return JSON.stringify(picked, null, opts.noindent ? undefined : 2);
    case 'yaml':
      return toYaml(picked).trimEnd();
    case 'value':
      return names.map((n) => text(picked[n])).join('\n');
    case 'shell':
      // As cliff: prefix + name with anything but letters, digits and _ made _, value double-quoted.
      return names
        .map(
          (n) =>
            `${opts.prefix}${n.replace(/[^A-Za-z0-9_]/g, '_')}="${text(picked[n]).replace(/(["\\$`])/g, '\\$1')}"`,
        )
        .join('\n');
    case 'table': {
      const table = new Table({ head: ['Field', 'Value'], ...TABLE_STYLE });
      for (const n of names) {
        const value = picked[n];
        table.push([n, Array.isArray(value) ? value.map((v) => text(v as Cell)).join('\n') : text(value)]);
      }
      return table.toString();
    }
    default:
      throw new UsageError(`Unknown format ${opts.format}; choose from ${SHOW_FORMATS.join(', ')}.`);
  }
}
