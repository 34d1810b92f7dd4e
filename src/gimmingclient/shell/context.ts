/**
 * What every command gets: the client (made on first use, from the global options), the output options,
 * and where to write.
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { GimmingClient, collect } from '../client';
import { type CloudConfig, parseBool, resolveCloud } from '../cloud-config';
import { GimmingClientError } from '../errors';
import { Session } from '../session';
import {
  type FormatOptions,
  LIST_FORMATS,
  type Row,
  SHOW_FORMATS,
  UsageError,
  renderList,
  renderOne,
} from './output';

export interface GlobalOptions {
  osCloud?: string;
  osAuthUrl?: string;
  osAuthType?: string;
  osUsername?: string;
  osUserId?: string;
  osPassword?: string;
  osProjectName?: string;
  osProjectId?: string;
  osUserDomainName?: string;
  osUserDomainId?: string;
  osProjectDomainName?: string;
  osProjectDomainId?: string;
  osRegionName?: string;
  osInterface?: string;
  osToken?: string;
  osApplicationCredentialId?: string;
  osApplicationCredentialName?: string;
  osApplicationCredentialSecret?: string;
  osEndpointOverride?: string;
  osCacert?: string;
  osCert?: string;
  osKey?: string;
  insecure?: boolean;
  cloudCredentials?: string;
  osImageManagerApiVersion?: string;
  timeout?: string;
}

export class Shell {
  private cached: GimmingClient | undefined;
  private cloudConfig: CloudConfig | undefined;

  constructor(
    readonly program: Command,
    readonly out: NodeJS.WriteStream,
    readonly err: NodeJS.WriteStream,
  ) {}

  private get globals(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get cloud(): CloudConfig {
    if (!this.cloudConfig) {
      const g = this.globals;
      this.cloudConfig = resolveCloud({
        ...(g.osCloud ? { cloud: g.osCloud } : {}),
        overrides: {
          ...(g.osRegionName ? { region_name: g.osRegionName } : {}),
          ...(g.osInterface ? { interface: g.osInterface } : {}),
          ...(g.osEndpointOverride ? { endpoint_override: g.osEndpointOverride } : {}),
          ...(g.osCacert ? { cacert: g.osCacert } : {}),
          ...(g.osCert ? { cert: g.osCert } : {}),
          ...(g.osKey ? { key: g.osKey } : {}),
          ...(g.insecure || (process.env.OS_INSECURE && parseBool(process.env.OS_INSECURE, 'OS_INSECURE'))
            ? { verify: false }
            : {}),
          auth: {
            ...(g.osAuthUrl ? { auth_url: g.osAuthUrl } : {}),
            ...(g.osAuthType ? { auth_type: g.osAuthType } : {}),
            ...(g.osUsername ? { username: g.osUsername } : {}),
            ...(g.osUserId ? { user_id: g.osUserId } : {}),
            ...(g.osPassword ? { password: g.osPassword } : {}),
            ...(g.osProjectName ? { project_name: g.osProjectName } : {}),
            ...(g.osProjectId ? { project_id: g.osProjectId } : {}),
            ...(g.osUserDomainName ? { user_domain_name: g.osUserDomainName } : {}),
            ...(g.osUserDomainId ? { user_domain_id: g.osUserDomainId } : {}),
            ...(g.osProjectDomainName ? { project_domain_name: g.osProjectDomainName } : {}),
            ...(g.osProjectDomainId ? { project_domain_id: g.osProjectDomainId } : {}),
            ...(g.osToken ? { token: g.osToken } : {}),
            ...(g.osApplicationCredentialId
              ? { application_credential_id: g.osApplicationCredentialId }
              : {}),
            ...(g.osApplicationCredentialName
              ? { application_credential_name: g.osApplicationCredentialName }
              : {}),
            ...(g.osApplicationCredentialSecret
              ? { application_credential_secret: g.osApplicationCredentialSecret }
              : {}),
          },
        },
      });
    }
    return this.cloudConfig;
  }

  get client(): GimmingClient {
    this.cached ??= new GimmingClient(
      new Session(this.cloud, {
        userAgent: 'gimming-cli',
        ...(this.globals.osImageManagerApiVersion
          ? { apiVersion: this.globals.osImageManagerApiVersion }
          : {}),
        ...(this.globals.timeout ? { timeoutMs: Number(this.globals.timeout) * 1000 } : {}),
        ...(this.globals.cloudCredentials
          ? { cloudCredentials: readCloudCredentials(this.globals.cloudCredentials) }
          : {}),
      }),
    );
    return this.cached;
  }

  print(text: string): void {
    if (text !== '') this.out.write(`${text}\n`);
  }

  printList(
    columns: string[],
    rows: Row[],
    opts: Record<string, unknown>,
    headers?: Record<string, string>,
  ): void {
    this.print(renderList(columns, rows, formatOptions(opts), headers));
  }

  printOne(fields: Row, opts: Record<string, unknown>): void {
    this.print(renderOne(fields, formatOptions(opts)));
  }

  /** An image by ID, or by name when exactly one of the user's images has it (as the openstack client). */
  async imageId(ref: string): Promise<string> {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) return ref;
    const found = await collect(this.client.images.list({ name: ref }, { limit: 2 }));
    if (found.length === 0) {
      throw new GimmingClientError(`No image with a name or ID of '${ref}' exists.`, 404, 'client.not_found');
    }
    if (found.length > 1) {
      throw new GimmingClientError(
        `More than one image exists with the name '${ref}'.`,
        409,
        'client.ambiguous',
      );
    }
    return (found[0] as { id: string }).id;
  }
}

export function formatOptions(opts: Record<string, unknown>): FormatOptions {
  if (opts.sortAscending && opts.sortDescending) {
    throw new UsageError('--sort-ascending and --sort-descending cannot be used together.');
  }
  return {
    format: (opts.format as string | undefined) ?? 'table',
    columns: (opts.column as string[] | undefined) ?? [],
    sortColumns: (opts.sortColumn as string[] | undefined) ?? [],
    sortDescending: opts.sortDescending === true,
    noindent: opts.noindent === true,
    prefix: (opts.prefix as string | undefined) ?? '',
  };
}

const collectValues = (value: string, previous: string[] = []) => [...previous, value];

/** cliff's list options. */
export function listOutput(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-f, --format <format>', 'the output format').choices([...LIST_FORMATS]).default('table'),
    )
    .option('-c, --column <column>', 'a column to include (repeatable)', collectValues)
    .option('--sort-column <column>', 'sort by this column (repeatable)', collectValues)
    .option('--sort-ascending', 'sort ascending (the default)')
    .option('--sort-descending', 'sort descending')
    .option('--noindent', 'json without indentation');
}

/** cliff's show options. */
export function showOutput(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('-f, --format <format>', 'the output format').choices([...SHOW_FORMATS]).default('table'),
    )
    .option('-c, --column <column>', 'a field to include (repeatable)', collectValues)
    .option('--noindent', 'json without indentation')
    .option('--prefix <prefix>', 'a prefix for the variable names of the shell format', '');
}

export { collectValues };

/** The --cloud-credentials file: an object of cloud name to clouds.yaml-style `auth`. */
function readCloudCredentials(path: string): Record<string, Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GimmingClientError(
      `Cannot read the cloud credentials file ${path}: ${(err as Error).message}`,
      0,
      'client.bad_credentials_file',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GimmingClientError(
      `The cloud credentials file ${path} must hold an object of cloud names.`,
      0,
      'client.bad_credentials_file',
    );
  }
  return parsed as Record<string, Record<string, string>>;
}
