/**
 * A TCP proxy that cuts an upload once, as a network would: it forwards to `target` and drops the first
 * connection once `cutAfter` bytes went through it (later connections pass whole), noting the
 * Content-Range of every request it saw, so that a test can tell how a client resumed.
 */
import net from 'node:net';

export interface CuttingProxy {
  server: net.Server;
  /** How many connections it cut (0 or 1). */
  cuts: () => number;
  /** The Content-Range values of the requests that went through it, in order. */
  ranges: string[];
}

export function cuttingProxy(target: URL, cutAfter: number, port: number): Promise<CuttingProxy> {
  let cuts = 0;
  const ranges: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    let sent = 0;
    const cutting = cuts === 0;
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      const range = /content-range: (bytes [^\r]*)/i.exec(chunk.subarray(0, 4096).toString('latin1'));
      if (range) ranges.push(range[1]!);
      if (cutting && cuts === 0 && sent > cutAfter) {
        cuts += 1;
        client.destroy();
        upstream.destroy();
        return;
      }
      // With backpressure: what went through is what the API read (give or take the sockets' buffers).
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.end());
  });
  return new Promise((done) =>
    server.listen(port, '127.0.0.1', () => done({ server, cuts: () => cuts, ranges })),
  );
}
