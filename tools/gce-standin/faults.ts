/**
 * Failures the tests ask for through the control API: a method (named as Google's discovery documents
 * name it: `compute.images.insert`, `compute.globalOperations.wait`, `storage.objects.get`,
 * `oauth2.token`...) that fails its next N calls with a given status and message; or operations of a
 * method that end in error with a given code and message.
 */
import { GoogleApiError, reasonOf } from './errors';

export interface CallFault {
  method: string;
  project?: string;
  remaining: number;
  status: number;
  message: string;
  reason: string;
}

export interface OperationFault {
  method: string;
  project?: string;
  remaining: number;
  code: string;
  message: string;
}

export class Faults {
  calls: CallFault[] = [];
  operations: OperationFault[] = [];

  add(body: Record<string, unknown>): CallFault | OperationFault {
    const method = body.method;
    if (typeof method !== 'string' || !/^(compute|storage|oauth2)\.[A-Za-z.]+$/.test(method))
      throw new Error('a fault needs method, like compute.images.insert');
    const remaining = typeof body.count === 'number' && body.count > 0 ? body.count : 1;
    const project = typeof body.project === 'string' ? body.project : undefined;
    if (body.operation === true) {
      const f: OperationFault = {
        method,
        project,
        remaining,
        code: typeof body.code === 'string' ? body.code : 'INTERNAL_ERROR',
        message: typeof body.message === 'string' ? body.message : `Injected failure of ${method}`,
      };
      this.operations.push(f);
      return f;
    }
    const status = typeof body.status === 'number' ? body.status : 503;
    const f: CallFault = {
      method,
      project,
      remaining,
      status,
      message: typeof body.message === 'string' ? body.message : `Injected failure of ${method}`,
      reason: typeof body.reason === 'string' ? body.reason : reasonOf(status),
    };
    this.calls.push(f);
    return f;
  }

  /** Throws the injected error if one is due for this call (and counts it). */
  check(method: string, project?: string): void {
    const f = this.calls.find((c) => c.method === method && (!c.project || c.project === project));
    if (!f) return;
    f.remaining -= 1;
    this.calls = this.calls.filter((c) => c.remaining > 0);
    throw new GoogleApiError(f.status, f.message, f.reason);
  }

  /** The error a new operation of this method is to end with, if one is due. */
  takeOperation(method: string, project: string): { code: string; message: string } | undefined {
    const f = this.operations.find((o) => o.method === method && (!o.project || o.project === project));
    if (!f) return undefined;
    f.remaining -= 1;
    this.operations = this.operations.filter((o) => o.remaining > 0);
    return { code: f.code, message: f.message };
  }

  clear(): void {
    this.calls = [];
    this.operations = [];
  }
}
