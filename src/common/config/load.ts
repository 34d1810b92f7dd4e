/**
 * Reads the daemons' configuration: `--config-file` (repeatable, later files win) and `--config-dir`
 * (every *.conf in it, sorted), then `OS_<GROUP>__<OPTION>` environment overrides, validated strictly
 * against the schema so that a typo or a bad value stops the daemon at start-up with a clear message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import convict from 'convict';
import { IniError, parseIni } from './ini-parser';
import { registerFormats } from './formats';
import {
  type GimmingConfig,
  type GroupSpec,
  type OptionSpec,
  type SchemaFragment,
  composeSchema,
} from './schema';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface CommandLine {
  configFiles: string[];
  /** Arguments that were not configuration options, for the command to read. */
  rest: string[];
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const configFiles: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flag === '--config-file' || flag === '--config-dir') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new ConfigError(`${flag} needs a value`);
      if (flag === '--config-file') {
        configFiles.push(value);
      } else {
        if (!existsSync(value)) throw new ConfigError(`config directory ${value} does not exist`);
        for (const name of readdirSync(value)
          .filter((n) => n.endsWith('.conf'))
          .sort()) {
          configFiles.push(join(value, name));
        }
      }
    } else {
      rest.push(arg);
    }
  }
  return { configFiles, rest };
}

export const DEFAULT_CONFIG_FILES = ['/etc/gimming/gimming.conf'];

export function envName(group: string, option: string): string {
  return `OS_${group.toUpperCase()}__${option.toUpperCase()}`;
}

function convictSchema(schema: Record<string, GroupSpec>): convict.Schema<GimmingConfig> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [group, options] of Object.entries(schema)) {
    const g: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(options as Record<string, OptionSpec>)) {
      g[name] = {
        doc: spec.doc,
        format: spec.format,
        default: spec.default,
        nullable: spec.default === null,
        sensitive: spec.sensitive ?? false,
        env: envName(group, name),
      };
    }
    out[group] = g;
  }
  return out as unknown as convict.Schema<GimmingConfig>;
}

function readIni(path: string, schema: Record<string, GroupSpec>): Record<string, Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = parseIni(text);
  } catch (err) {
    if (err instanceof IniError) throw new ConfigError(`${path}: ${err.message}`);
    throw err;
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [group, body] of Object.entries(parsed)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ConfigError(`${path}: option "${group}" is outside any [group]`);
    }
    if (!(group in schema)) throw new ConfigError(`${path}: unknown group [${group}]`);
    const known = schema[group] as Record<string, OptionSpec>;
    for (const option of Object.keys(body)) {
      if (!(option in known)) throw new ConfigError(`${path}: unknown option "${option}" in [${group}]`);
    }
    out[group] = body as Record<string, unknown>;
  }
  return out;
}

/**
 * Loads and validates the configuration; throws ConfigError with every problem found. `fragments` are the
 * options defined outside the core schema (the agent's cloud drivers'), known to every daemon so that one
 * gimming.conf serves them all.
 */
export function loadConfig(
  configFiles: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  fragments: readonly SchemaFragment[] = [],
): GimmingConfig {
  registerFormats();
  const schema = composeSchema(fragments);
  const files = configFiles.length > 0 ? configFiles : DEFAULT_CONFIG_FILES.filter((f) => existsSync(f));
  const config = convict<GimmingConfig>(convictSchema(schema), { env: { ...env }, args: [] });
  for (const file of files) {
    // Environment overrides must win over files: convict applies env at construction, so re-apply after.
    config.load(readIni(file, schema));
  }
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const [group, options] of Object.entries(schema)) {
    for (const option of Object.keys(options)) {
      const value = env[envName(group, option)];
      if (value !== undefined) (overrides[group] ??= {})[option] = value;
    }
  }
  config.load(overrides);
  try {
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  const values = config.getProperties();
  const problems: string[] = [];
  for (const [group, options] of Object.entries(schema)) {
    for (const [name, spec] of Object.entries(options as Record<string, OptionSpec>)) {
      const value = (values as unknown as Record<string, Record<string, unknown>>)[group]?.[name];
      if (spec.min !== undefined && typeof value === 'number' && value < spec.min) {
        problems.push(`[${group}] ${name}: must be at least ${spec.min}`);
      }
      if (spec.choices && Array.isArray(value)) {
        for (const item of value as string[]) {
          if (!spec.choices.includes(item)) {
            problems.push(`[${group}] ${name}: "${item}" is not one of ${spec.choices.join(', ')}`);
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return values;
}

/** Options a daemon cannot run without; checked by each daemon for the groups it uses. */
export function requireOptions(config: GimmingConfig, required: ReadonlyArray<[string, string]>): void {
  const missing = required.filter(([group, option]) => {
    const value = (config as unknown as Record<string, Record<string, unknown>>)[group]?.[option];
    return value === null || value === undefined || value === '';
  });
  if (missing.length > 0) {
    throw new ConfigError(`missing required options: ${missing.map(([g, o]) => `[${g}] ${o}`).join(', ')}`);
  }
}
