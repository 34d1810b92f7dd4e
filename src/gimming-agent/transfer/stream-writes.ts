/**
 * Writing to a gRPC server stream with backpressure: wait for 'drain', but stop waiting when the caller
 * cancels or the call closes.
 */
import type * as grpc from '@grpc/grpc-js';

export async function writeWithBackpressure<T>(
  call: grpc.ServerWritableStream<unknown, T>,
  message: T,
): Promise<void> {
  if (call.cancelled) throw new Error('the caller cancelled the call');
  if (call.write(message)) return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', cancelled);
      call.off('close', cancelled);
      resolve();
    };
    const cancelled = () => {
      call.off('drain', done);
      call.off('cancelled', cancelled);
      call.off('close', cancelled);
      reject(new Error('the caller cancelled the call'));
    };
    call.on('drain', done);
    call.on('cancelled', cancelled);
    call.on('close', cancelled);
  });
}

/**
 * Writes to a gRPC server stream with at most `limit` messages in flight (written but not yet handed to
 * the HTTP/2 session). The stream's own buffer holds 16 messages before it asks to wait, which for 1 MiB
 * image chunks is memory held for nothing: the receiver's flow-control window already keeps enough on the
 * wire.
 */
export class BoundedWriter<T> {
  private inFlight = 0;
  private waiter: (() => void) | undefined;
  private failed: Error | undefined;

  constructor(
    private readonly call: grpc.ServerWritableStream<unknown, T>,
    private readonly limit: number,
  ) {
    const stop = () => {
      this.failed ??= new Error('the caller cancelled the call');
      this.wake();
    };
    call.once('cancelled', stop);
    call.once('close', stop);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Writes `message`; `done` runs once gRPC is through with it (it has been copied out). */
  async write(message: T, done?: () => void): Promise<void> {
    while (this.inFlight >= this.limit && !this.failed) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    if (this.failed || this.call.cancelled) throw this.failed ?? new Error('the caller cancelled the call');
    this.inFlight += 1;
    this.call.write(message, (err?: Error | null) => {
      this.inFlight -= 1;
      done?.();
      if (err) this.failed ??= err;
      this.wake();
    });
  }
}
