/**
 * gimming's AWS stand-in: EC2 (+ STS) and S3 on loopback for the real AWS SDKs, strict against the
 * vendor's service models. See doc/source/contributor/aws-standin.rst.
 *
 *   node dist/tools/aws-standin/main.js --config FILE
 *
 * Writes `<stateDir>/ports.json` ({"ec2":N,"s3":N}) once it listens, so a caller that asked for port 0
 * learns the ports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from './config';
import { handleControl } from './control';
import { Credentials } from './credentials';
import { advanceCopies } from './ec2/copy-image';
import type { Ec2Services } from './ec2/context';
import { advanceExports } from './ec2/export-image';
import { advanceImports } from './ec2/import-snapshot';
import { Faults } from './faults';
import { loadModel } from './model';
import { handleQuery } from './query-endpoint';
import { s3Front } from './s3-front';
import { Multipart } from './s3-multipart';
import { ObjectStore } from './s3-objects';
import { Store } from './state';
import { Jobs } from './tasks';

// s3rver is plain JavaScript without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

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
  const s3Root = join(config.stateDir, 's3');
  mkdirSync(s3Root, { recursive: true });

  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Root,
    configureBuckets: config.buckets.map((b) => ({ name: b.name, configs: [] })),
  });
  const backend = await s3rver.run();

  const store = new Store(config.stateDir);
  const faults = new Faults();
  const jobs = new Jobs(log);
  let ec2Port = 0;
  const svc: Ec2Services = {
    config,
    model: loadModel('ec2', '2016-11-15'),
    store,
    faults,
    objects: new ObjectStore(`http://127.0.0.1:${backend.port}`),
    jobs,
    endpoint: () => `http://${config.host}:${ec2Port}`,
  };
  const sts = loadModel('sts', '2011-06-15');
  const credentials = new Credentials(config, store);
  const multipart = new Multipart(s3Root);

  const ec2Server = http.createServer((req, res) => {
    const done = (req.url ?? '').startsWith('/_standin/')
      ? handleControl(svc, multipart, s3Root, req, res)
      : handleQuery({ svc, sts, credentials, log }, req, res);
    done.catch((e: Error) => {
      log(`unhandled: ${e.stack ?? e.message}`);
      res.destroy();
    });
  });
  const s3Server = http.createServer(
    s3Front({ config, credentials, faults, multipart, backendPort: () => backend.port, log }),
  );
  ec2Port = await listen(ec2Server, config.host, config.ec2Port);
  const s3Port = await listen(s3Server, config.host, config.s3Port);

  const tick = setInterval(() => {
    try {
      advanceImports(svc);
      advanceExports(svc);
      advanceCopies(svc);
    } catch (e) {
      log(`tick: ${(e as Error).stack ?? String(e)}`);
    }
  }, config.tasks.tickMs);

  writeFileSync(
    join(config.stateDir, 'ports.json'),
    JSON.stringify({ ec2: ec2Port, s3: s3Port, pid: process.pid }),
  );
  log(
    `aws-standin: EC2/STS/control http://${config.host}:${ec2Port}, S3 http://${config.host}:${s3Port}, regions ${config.regions.join(' ')}`,
  );

  const stop = () => {
    clearInterval(tick);
    store.saveNow();
    ec2Server.close();
    s3Server.close();
    void s3rver.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: Error) => {
  process.stderr.write(`aws-standin: ${e.message}\n`);
  process.exit(1);
});
