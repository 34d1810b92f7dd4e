import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { agentClient, closeAgentClients } from '../../../src/common/grpc/agent-client';
import { encodeChunk } from '../../../src/common/grpc/frame';
import { loadAgentService } from '../../../src/common/grpc/loader';
import { openSourceStream } from '../../../src/gimming-agent/transfer/copy';
import { BoundedWriter } from '../../../src/gimming-agent/transfer/stream-writes';

const CHUNK = 256 * 1024;
const CHUNKS = 128; // 32 MiB
const WINDOW = 1024 * 1024;

describe('pulling image data from another agent', () => {
  let server: grpc.Server;
  let address: string;
  /** Chunks the source has handed to HTTP/2 (so sent, or about to be) in the current call. */
  let sent = 0;

  before(async () => {
    server = new grpc.Server();
    const chunk = encodeChunk(Buffer.alloc(CHUNK, 7));
    server.addService(loadAgentService().definition, {
      ReadImage: (call: grpc.ServerWritableStream<unknown, Buffer>) => {
        sent = 0;
        const writer = new BoundedWriter(call, 4);
        void (async () => {
          try {
            for (let i = 0; i < CHUNKS; i++) await writer.write(chunk, () => (sent += 1));
            call.end();
          } catch {
            // the reader went away
          }
        })();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  after(() => {
    closeAgentClients();
    server.forceShutdown();
  });

  it('holds only its read-ahead and the flow-control window while nothing consumes it yet', async () => {
    const peer = agentClient(address, { flowControlWindow: WINDOW, maxMessageBytes: CHUNK + 65536 });
    const stream = openSourceStream(peer, { image_id: 'x', from_staging: true }, new grpc.Metadata());
    // What the copy does while the target image is created: nothing reads the stream for a while.
    await sleep(500);
    const ahead = sent;
    let received = 0;
    for await (const data of stream) received += (data as Buffer).length;
    assert.equal(received, CHUNK * CHUNKS);
    // 4 messages of read-ahead, the 1 MiB window (4 chunks), the source's 4 writes in flight, some slack;
    // far from the 128 a source that is never held back sends.
    assert.ok(ahead <= 24, `the source sent ${ahead} of ${CHUNKS} chunks before anything was consumed`);
  });
});
