/**
 * The cloud drivers: found at run time (each folder under drivers/ whose index exports `driver`), and
 * loaded by name from `[agent] enabled_drivers`, as ironic loads its enabled_hardware_types. An agent
 * with an unknown driver enabled, or a driver whose configuration is wrong, does not start, and says
 * which one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GimmingConfig } from '../../common/config/schema';
import type { RequestContext } from '../../common/context';
import { GimmingError } from '../../common/errors';
import type { CloudRef__Output } from '../../common/grpc/generated/gimming/agent/v2/CloudRef';
import type { CloudDriver, CloudOpener, CloudSession, ConfigFragment, DriverContext } from './driver';
import { CONVERSION_CONFIG } from '../conversion/config';

export class DriverLoadError extends Error {
  override name = 'DriverLoadError';
}

function isDriver(value: unknown): value is CloudDriver {
  const d = value as Partial<CloudDriver> | null | undefined;
  return (
    typeof d?.name === 'string' &&
    typeof d.capabilities === 'object' &&
    typeof d.validateConfig === 'function' &&
    typeof d.start === 'function'
  );
}

/** The drivers found in `dir` (this folder by default), by name. */
export function discoverDrivers(dir: string = __dirname): Map<string, CloudDriver> {
  const found = new Map<string, CloudDriver>();
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue;
    const index = ['index.js', 'index.ts'].map((f) => join(dir, entry.name, f)).find((f) => existsSync(f));
    if (!index) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = (require(index) as { driver?: unknown }).driver;
    if (!isDriver(loaded)) {
      throw new DriverLoadError(`the driver folder ${entry.name} does not export a driver`);
    }
    if (found.has(loaded.name)) throw new DriverLoadError(`driver ${loaded.name} is defined twice`);
    found.set(loaded.name, loaded);
  }
  return found;
}

/**
 * The options of every driver found, and of image conversion (conversion/config.ts), composed into the
 * configuration every daemon loads.
 */
export function driverConfigFragments(dir?: string): ConfigFragment[] {
  return [
    ...[...discoverDrivers(dir).values()].flatMap((d) => (d.config ? [d.config] : [])),
    CONVERSION_CONFIG,
  ];
}

/** The drivers this agent serves clouds with, ready. */
export class DriverRegistry {
  private readonly openers = new Map<string, { driver: CloudDriver; opener: CloudOpener }>();

  /**
   * Loads the drivers named in `enabled` from those found; throws DriverLoadError naming an unknown
   * driver or one whose configuration is refused.
   */
  constructor(enabled: readonly string[], dctx: DriverContext, available = discoverDrivers()) {
    if (enabled.length === 0) throw new DriverLoadError('[agent] enabled_drivers names no driver');
    for (const name of enabled) {
      const driver = available.get(name);
      if (!driver) {
        throw new DriverLoadError(
          `[agent] enabled_drivers: unknown driver ${name} (available: ${[...available.keys()].join(', ')})`,
        );
      }
      try {
        driver.validateConfig(dctx.config);
      } catch (err) {
        throw new DriverLoadError(`driver ${name} is misconfigured: ${(err as Error).message}`);
      }
      this.openers.set(name, { driver, opener: driver.start(dctx) });
    }
  }

  /** The enabled driver of a cloud type. */
  driver(type: string): CloudDriver | undefined {
    return this.openers.get(type)?.driver;
  }

  /**
   * How long a silent peer is waited on, for transfers that belong to no cloud (imports from a URL): the
   * longest of the enabled drivers' own timeouts.
   */
  get idleTimeoutMs(): number {
    return Math.max(...[...this.openers.values()].map((o) => o.opener.idleTimeoutMs));
  }

  get names(): string[] {
    return [...this.openers.keys()];
  }

  /** A session on the cloud the request names, with the driver of its type. */
  async open(ctx: RequestContext, cloud: CloudRef__Output | null | undefined): Promise<Opened> {
    if (!cloud) throw new GimmingError('gimming.agent.bad_request', 400, 'The request names no cloud.');
    const entry = this.openers.get(cloud.type);
    if (!entry) {
      throw new GimmingError(
        'gimming.cloud.unsupported',
        400,
        `Cloud type ${cloud.type} is not supported by this agent.`,
      );
    }
    return { driver: entry.driver, session: await entry.opener.open(ctx, cloud) };
  }
}

export interface Opened {
  driver: CloudDriver;
  session: CloudSession;
}

/** The drivers [agent] enabled_drivers names, loaded for this agent. */
export function loadDrivers(config: GimmingConfig, dctx: Omit<DriverContext, 'config'>): DriverRegistry {
  return new DriverRegistry(config.agent.enabled_drivers, { ...dctx, config });
}
