/**
 * Structured logging: one JSON line per event (pino), carrying the current request's ids.
 *
 * Secrets are removed here, by the logger, not by each caller: any field named like a token, password or
 * secret is censored wherever it appears in a logged object.
 */
import pino from 'pino';
import { currentContext } from './context';

const REDACTED_KEYS = [
  'auth_token',
  'authToken',
  'token',
  'password',
  'secret',
  'x-auth-token',
  'x-subject-token',
  'x-service-token',
  'transport_url',
  'connection',
];

const redactPaths = REDACTED_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]);

let root: pino.Logger = makeLogger('gimming', false);
let generation = 0;

/** A root logger; `destination` is for tests (default: standard output). */
export function makeLogger(name: string, debug: boolean, destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    name,
    level: debug ? 'debug' : 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'message',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths, censor: '***' },
    mixin() {
      const ctx = currentContext();
      return ctx ? ctx.logFields() : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Called once by each daemon's entry point, after its configuration is loaded; `destination` is for tests
 * (default: standard output).
 */
export function setupLogging(name: string, debug: boolean, destination?: pino.DestinationStream): void {
  root = makeLogger(name, debug, destination);
  generation += 1;
}

/** Sets the level of every logger, at once (SIGHUP: `[DEFAULT] debug` reloaded). */
export function setLogLevel(debug: boolean): void {
  root.level = debug ? 'debug' : 'info';
  // Module loggers remake their children from the root, at its new level, on their next line.
  generation += 1;
}

type LogFn = pino.LogFn;

/**
 * A module's logger. Modules create theirs at load time, before the daemon has read its configuration, so
 * the pino child is made on first use after `setupLogging` and remade if logging is set up again.
 */
export class Logger {
  private child: pino.Logger | undefined;
  private generation = -1;

  constructor(private readonly module: string) {}

  private get target(): pino.Logger {
    if (!this.child || this.generation !== generation) {
      this.child = root.child({ module: this.module });
      this.generation = generation;
    }
    return this.child;
  }

  debug: LogFn = (...args: Parameters<LogFn>) => this.target.debug(...args);
  info: LogFn = (...args: Parameters<LogFn>) => this.target.info(...args);
  warn: LogFn = (...args: Parameters<LogFn>) => this.target.warn(...args);
  error: LogFn = (...args: Parameters<LogFn>) => this.target.error(...args);
}

export function getLogger(module: string): Logger {
  return new Logger(module);
}
