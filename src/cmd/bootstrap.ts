/**
 * What every daemon does first: read the command line and configuration (refusing a bad one with a clear
 * message and exit code 2), set up logging, reload on SIGHUP (reload.ts), and stop cleanly on
 * SIGTERM/SIGINT.
 */
import { ConfigError, loadConfig, parseCommandLine, requireOptions } from '../common/config/load';
import { driverConfigFragments } from '../gimming-agent/drivers/registry';
import type { GimmingConfig } from '../common/config/schema';
import { describeError } from '../common/errors';
import { setAgentCallSigner, setAgentChannelCredentials } from '../common/grpc/agent-client';
import { type AgentRpcAuth, agentRpcAuth } from '../common/grpc/auth';
import { type AgentTransport, agentTransport } from '../common/grpc/tls';
import { getLogger, setupLogging } from '../common/log';
import { Reloader, type ReloadHook } from './reload';

export interface Daemon {
  config: GimmingConfig;
  rest: string[];
  /** How calls to agents are authenticated, for a daemon that calls or serves agents. */
  agentAuth: AgentRpcAuth;
  /** How the agents' gRPC port is secured (mutual TLS unless plaintext was asked for). */
  agentTls: AgentTransport | null;
  /** Registers what the daemon reloads on SIGHUP besides the log level and the agents' certificates. */
  onReload: (hook: ReloadHook) => void;
}

export interface BootstrapOptions {
  /**
   * The daemon calls agents (or is one): it needs `[agent] rpc_secrets`, and every agent client it makes
   * signs its calls.
   */
  agentRpc?: boolean;
}

export function bootstrap(
  name: string,
  required: ReadonlyArray<[string, string]>,
  opts: BootstrapOptions = {},
): Daemon {
  let config: GimmingConfig;
  let rest: string[];
  let agentAuth: AgentRpcAuth = { signer: null, verifier: null };
  let agentTls: AgentTransport | null = null;
  let load: () => GimmingConfig;
  try {
    const cli = parseCommandLine(process.argv.slice(2));
    rest = cli.rest;
    load = () => {
      const loaded = loadConfig(cli.configFiles, process.env, driverConfigFragments());
      requireOptions(loaded, required);
      return loaded;
    };
    config = load();
    if (opts.agentRpc) {
      agentAuth = agentRpcAuth(config);
      agentTls = agentTransport(config);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  setupLogging(name, config.DEFAULT.debug);
  const log = getLogger('daemon');
  // Node's own warnings become log lines too, so that the log stays one JSON object per line.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    log.warn({ warning: warning.name, reason: warning.message }, 'node warning');
  });
  process.on('unhandledRejection', (reason) => {
    log.error({ err: describeError(reason) }, 'unhandled rejection');
  });
  // Installed whatever else is configured: without a handler, SIGHUP would end the daemon.
  const reloader = new Reloader(config, load, agentTls?.certificates ?? null);
  reloader.install();
  if (agentTls) {
    setAgentChannelCredentials(agentTls.channelCredentials());
    const certificates = agentTls.certificates;
    if (certificates) {
      log.info(
        { fingerprint: certificates.certificates.fingerprint, not_after: certificates.certificates.notAfter },
        'calls to agents use mutual TLS',
      );
    } else {
      log.warn(
        'calls to agents are NOT encrypted: [agent] rpc_plaintext is set; tokens, catalogs and image data ' +
          'cross the network in clear',
      );
    }
  }
  if (opts.agentRpc) {
    setAgentCallSigner(agentAuth.signer);
    if (!agentAuth.signer) {
      log.warn(
        'calls to agents are NOT authenticated: [agent] rpc_secrets is empty and rpc_allow_unauthenticated ' +
          'is set; any process that reaches an agent port can use it',
      );
    }
  }
  return { config, rest, agentAuth, agentTls, onReload: (hook) => reloader.onReload(hook) };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  const log = getLogger('daemon');
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 30000);
    force.unref();
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err: describeError(err) }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

export function fatal(name: string, err: unknown): never {
  getLogger('daemon').error({ err: describeError(err) }, 'fatal error');
  process.stderr.write(`${name}: ${describeError(err)}\n`);
  process.exit(1);
}
