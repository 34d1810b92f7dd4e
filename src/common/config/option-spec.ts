/** How one option of gimming.conf is described, and the helpers the groups describe their options with. */
export interface OptionSpec {
  doc: string;
  format: 'oslo-bool' | 'oslo-int' | 'oslo-port' | 'oslo-list' | 'oslo-string' | readonly string[];
  default: string | number | boolean | string[] | null;
  sensitive?: boolean;
  /** Shown in the sample instead of the default when the default depends on the machine. */
  sampleDefault?: string;
  min?: number;
  /** For a list: the values its items may take. */
  choices?: readonly string[];
}

export type GroupSpec = Record<string, OptionSpec>;

export function str<D extends string | null>(doc: string, def: D, extra: Partial<OptionSpec> = {}) {
  return { doc, format: 'oslo-string' as const, default: def, ...extra };
}
export const int = (doc: string, def: number, min = 0) => ({
  doc,
  format: 'oslo-int' as const,
  default: def,
  min,
});
export const bool = (doc: string, def: boolean) => ({ doc, format: 'oslo-bool' as const, default: def });
export const port = (doc: string, def: number) => ({ doc, format: 'oslo-port' as const, default: def });
export const list = (
  doc: string,
  def: string[],
  extra: { sensitive?: boolean; choices?: readonly string[] } = {},
) => ({
  doc,
  format: 'oslo-list' as const,
  default: def,
  ...extra,
});
export function choice<C extends string>(doc: string, choices: readonly C[], def: C) {
  return { doc, format: choices, default: def };
}

/**
 * The TLS options of a group whose requests go to one kind of service, named as keystoneauth and
 * keystonemiddleware name them.
 */
export function clientTlsOptions(service: string, note = '') {
  return {
    cafile: str(
      `A PEM encoded Certificate Authority bundle that verifies the HTTPS connections to ${service}, ` +
        `instead of the CAs of the system.${note}`,
      null,
    ),
    certfile: str(
      `A PEM encoded client certificate to present to ${service}, for a service that requires one. Needs ` +
        'keyfile.',
      null,
    ),
    keyfile: str('The PEM encoded private key of certfile.', null),
    insecure: bool(
      `If set to true, the TLS certificate of ${service} is not verified. Only for testing: anyone on the ` +
        'path can then read and change the traffic, tokens included.',
      false,
    ),
  };
}
