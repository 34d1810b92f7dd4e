/**
 * The configuration as the daemons load it: the core schema with every cloud driver's options composed
 * in (see cmd/bootstrap.ts).
 */
import { loadConfig as loadCore } from '../../src/common/config/load';
import type { GimmingConfig } from '../../src/common/config/schema';
import { driverConfigFragments } from '../../src/gimming-agent/drivers/registry';

export function loadConfig(files: readonly string[], env: NodeJS.ProcessEnv = process.env): GimmingConfig {
  return loadCore(files, env, driverConfigFragments());
}
