/**
 * convict formats with oslo.config's parsing rules.
 *
 * convict's own `boolean` reads any string but "false" as true (so `no` would mean yes) and its `int` accepts
 * "12abc"; these formats parse the way an OpenStack operator expects and refuse anything else.
 */
import convict from 'convict';

const TRUE_WORDS = new Set(['true', '1', 'on', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'off', 'no']);

function parseBool(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return value;
}

function parseInteger(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return /^-?\d+$/.test(text) ? Number(text) : value;
}

function parseList(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim().replace(/^\[(.*)\]$/s, '$1');
  return text === '' ? [] : text.split(',').map((item) => item.trim());
}

let registered = false;

export function registerFormats(): void {
  if (registered) return;
  registered = true;
  convict.addFormat({
    name: 'oslo-bool',
    validate(value: unknown) {
      if (typeof value !== 'boolean') {
        throw new Error('must be one of true/1/on/yes or false/0/off/no');
      }
    },
    coerce: parseBool,
  });
  convict.addFormat({
    name: 'oslo-int',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error('must be an integer');
    },
    coerce: parseInteger,
  });
  convict.addFormat({
    name: 'oslo-port',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
        throw new Error('must be a port number between 0 and 65535');
      }
    },
    coerce: parseInteger,
  });
  convict.addFormat({
    name: 'oslo-list',
    validate(value: unknown) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new Error('must be a comma-separated list');
      }
    },
    coerce: parseList,
  });
  convict.addFormat({
    name: 'oslo-string',
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a string');
    },
  });
}
