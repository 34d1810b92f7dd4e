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
