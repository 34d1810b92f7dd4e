/**
 * Failures the tests ask for through the control API: an action (optionally only in one region) that
 * fails its next N calls with a given code, message and status; or import tasks that end failed with a
 * given status message.
 */
import { AwsError, STATUS_OF_CODE } from './errors';

export interface CallFault {
  service: 'ec2' | 'sts' | 's3';
  action: string;
  region?: string;
  remaining: number;
  code: string;
  message: string;
  status: number;
}

export interface TaskFault {
  kind: 'import' | 'export' | 'copy';
  region?: string;
  remaining: number;
  statusMessage: string;
}

export class Faults {
  calls: CallFault[] = [];
  tasks: TaskFault[] = [];

  addCall(f: Partial<CallFault>): CallFault {
    if (!f.action || !f.code) throw new Error('a call fault needs action and code');
    const fault: CallFault = {
      service: f.service ?? 'ec2',
      action: f.action,
      region: f.region,
      remaining: f.remaining ?? 1,
      code: f.code,
      message: f.message ?? `Injected failure of ${f.action}`,
      status: f.status ?? STATUS_OF_CODE[f.code] ?? 400,
    };
    this.calls.push(fault);
    return fault;
  }

  addTask(f: Partial<TaskFault>): TaskFault {
    if (!f.kind || !f.statusMessage) throw new Error('a task fault needs kind and statusMessage');
    const fault: TaskFault = {
      kind: f.kind,
      region: f.region,
      remaining: f.remaining ?? 1,
      statusMessage: f.statusMessage,
    };
    this.tasks.push(fault);
    return fault;
  }

  /** Throws the injected error if one is due for this call (and counts it). */
  check(service: CallFault['service'], action: string, region: string): void {
    const f = this.calls.find(
      (c) =>
        c.service === service && c.action === action && (!c.region || c.region === region) && c.remaining > 0,
    );
    if (!f) return;
    f.remaining -= 1;
    this.calls = this.calls.filter((c) => c.remaining > 0);
    throw new AwsError(f.code, f.message, f.status);
  }

  /** The failure message a new task of this kind is to end with, if one is due. */
  takeTask(kind: TaskFault['kind'], region: string): string | undefined {
    const f = this.tasks.find(
      (t) => t.kind === kind && (!t.region || t.region === region) && t.remaining > 0,
    );
    if (!f) return undefined;
    f.remaining -= 1;
    this.tasks = this.tasks.filter((t) => t.remaining > 0);
    return f.statusMessage;
  }

  clear(): void {
    this.calls = [];
    this.tasks = [];
  }
}
