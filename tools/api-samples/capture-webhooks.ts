/**
 * The webhook samples alone (webhooks.ts), on ports of one's choice, without the rest of capture.ts:
 *
 *   GIMMING_SAMPLES_PORT_BASE=19600 node dist/tools/api-samples/capture-webhooks.js
 *
 * API on the base port, agents on base+1 and base+2, the receiver on base+3; the ports are written as
 * the default ones (9595-9597), as capture.ts writes them.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { DaemonSet } from '../../tests/support/daemons';
import type { Reply } from '../../tests/support/http';
import { issueToken } from '../../tests/support/openstack';
import { REPO_ROOT, testbed } from '../../tests/support/testbed';
import { captureWebhooks, webhookConfig, webhookReceiver } from './webhooks';

const BASE = Number(process.env.GIMMING_SAMPLES_PORT_BASE ?? 39595);
const SAMPLES = join(REPO_ROOT, 'api-ref', 'source', 'samples');

function normalise(text: string): string {
  return text
    .replace(new RegExp(`:${BASE}\\b`, 'g'), ':9595')
    .replace(new RegExp(`:${BASE + 1}\\b`, 'g'), ':9596')
    .replace(new RegExp(`:${BASE + 2}\\b`, 'g'), ':9597');
}

function write(name: string, value: unknown): void {
  writeFileSync(join(SAMPLES, name), `${normalise(JSON.stringify(value, null, 2))}\n`);
  process.stderr.write(`[api-samples] ${name}\n`);
}

function expect(res: Reply, status: number, name?: string): any {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  if (name) write(`${name}-response.json`, res.body);
  return res.body;
}

async function main(): Promise<void> {
  const bed = testbed();
  const daemons = new DaemonSet(bed, {
    apiPort: BASE,
    agentPorts: { 'zone-a': BASE + 1, 'zone-b': BASE + 2 },
    extraConfig: `\n${webhookConfig(randomBytes(32).toString('hex'))}`,
  });
  const receiver = await webhookReceiver(BASE + 3);
  const demo = await issueToken(bed, bed.users.demo);
  let ok = false;
  await daemons.start();
  try {
    await captureWebhooks({
      api: daemons.apiUrl,
      token: demo.id,
      receiverUrl: `http://127.0.0.1:${BASE + 3}`,
      write,
      expect,
    });
    ok = true;
  } finally {
    await daemons.stop(!ok);
    receiver.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[api-samples] FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
