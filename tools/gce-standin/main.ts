/**
 * gimming's GCE stand-in: Compute Engine v1 (images, global operations), an OAuth 2.0 token endpoint for
 * service-account JWTs, and Cloud Storage (JSON and upload APIs) on loopback for the real Google SDKs,
 * strict against the messages @google-cloud/compute ships. See doc/source/contributor/gce-standin.rst.
 *
 *   node dist/tools/gce-standin/main.js --config FILE
 *
 * Writes `<stateDir>/ports.json` ({"compute":N,"storage":N}) once it listens, so a caller that asked for
 * port 0 learns the ports; the service accounts' key files are in `<stateDir>/keys/<email>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { handleCompute } from './compute-api';
import { loadConfig } from './config';
import { handleControl } from './control';
import { GoogleApiError, sendError } from './errors';
import { Faults } from './faults';
import { readSmallBody } from './http-util';
import { preload } from './messages';
import { Objects } from './objects';
import { advanceOperations, resumeOperations } from './operations';
import { loadServiceAccounts } from './service-accounts';
import { Store } from './state';
import { handleStorage } from './storage-api';
import { Tokens } from './tokens';

function log(msg: string): void {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  const configPath = i > 0 ? process.argv[i + 1] : undefined;
  if (!configPath) throw new Error('usage: main.js --config FILE');
  const config = loadConfig(configPath);
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  preload();

  const computeServer = http.createServer();
  const storageServer = http.createServer();
  const computePort = await listen(computeServer, config.host, config.computePort);
  const storagePort = await listen(storageServer, config.host, config.storagePort);
  const computeUrl = `http://${config.host}:${computePort}`;
  const storageUrl = `http://${config.host}:${storagePort}`;
  const tokenUri = `${computeUrl}/token`;

  const store = new Store(config.stateDir);
  const faults = new Faults();
  const objects = new Objects(config.stateDir, store);
  const accounts = loadServiceAccounts(config.stateDir, config.serviceAccounts, tokenUri);
  const tokens = new Tokens(accounts, () => tokenUri, config.maxSkewSeconds);
  const compute = { config, store, objects, faults, tokens, log };
  resumeOperations(compute);

  computeServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    let done: Promise<void>;
    if (path.startsWith('/_standin/')) done = handleControl({ config, store, faults, accounts }, req, res);
    else if (path === '/token')
      done = (async () => {
        try {
          faults.check('oauth2.token');
          await tokens.handle(req, res, await readSmallBody(req));
        } catch (e) {
          if (!(e instanceof GoogleApiError)) throw e;
          sendError(res, e);
        }
      })();
    else done = handleCompute(compute, req, res);
    done.catch((e: Error) => {
      log(`unhandled: ${e.stack ?? e.message}`);
      res.destroy();
    });
  });
  storageServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    handleStorage(
      { config, store, objects, tokens, faults, endpoint: () => storageUrl, log },
      req,
      res,
    ).catch((e: Error) => {
      log(`unhandled: ${e.stack ?? e.message}`);
      res.destroy();
    });
  });

  const tick = setInterval(() => {
    try {
      advanceOperations(compute);
    } catch (e) {
      log(`tick: ${(e as Error).stack ?? String(e)}`);
    }
  }, config.operations.tickMs);

  writeFileSync(
    join(config.stateDir, 'ports.json'),
    JSON.stringify({ compute: computePort, storage: storagePort, pid: process.pid }),
  );
  log(
    `gce-standin: Compute/token/control ${computeUrl}, Storage ${storageUrl}, projects ${config.projects.map((p) => p.id).join(' ')}`,
  );

  const stop = () => {
    clearInterval(tick);
    store.saveNow();
    computeServer.close();
    storageServer.close();
    computeServer.closeAllConnections();
    storageServer.closeAllConnections();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: Error) => {
  process.stderr.write(`gce-standin: ${e.message}\n`);
  process.exit(1);
});
