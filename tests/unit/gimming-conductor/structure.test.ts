/**
 * The conductor's layout (issue 12): agents are reached only through the injected AgentGateway, no module
 * does several jobs (none over 450 lines), and the task registry knows every kind of task.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RequestContext } from '../../../src/common/context';
import * as agentapi from '../../../src/gimming-conductor/agentapi';
import { GrpcAgentGateway } from '../../../src/gimming-conductor/agent-gateway';
import type { CopyTaskDeps } from '../../../src/gimming-conductor/tasks/copy-task';
import { CopyTask } from '../../../src/gimming-conductor/tasks/copy-task';
import { DeleteTask } from '../../../src/gimming-conductor/tasks/delete-task';
import { ImportTask } from '../../../src/gimming-conductor/tasks/import-task';
import { TaskRegistry } from '../../../src/gimming-conductor/tasks/registry';
import { UploadTask } from '../../../src/gimming-conductor/tasks/upload-task';
import type { UploadService } from '../../../src/gimming-conductor/uploads';

const ROOT = join(__dirname, '..', '..', '..', '..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('conductor layout', () => {
  const conductor = sources(join(SRC, 'gimming-conductor'));

  it('reaches agents only through the agent gateway', () => {
    const callers = [...conductor, join(SRC, 'cmd', 'gimming-conductor.ts')]
      .filter((path) =>
        /from '\.{1,2}\/(\.\.\/)*(gimming-conductor\/)?agentapi'/.test(readFileSync(path, 'utf8')),
      )
      .map((path) => relative(SRC, path));
    assert.deepEqual(callers, ['gimming-conductor/agent-gateway.ts']);
  });

  it('the gRPC gateway serves every wire function of agentapi.ts', () => {
    const gateway = new GrpcAgentGateway() as unknown as Record<string, unknown>;
    const wire = Object.entries(agentapi)
      .filter(([name, value]) => typeof value === 'function' && name !== 'cloudRef')
      .map(([name]) => name)
      .sort();
    assert.ok(wire.length >= 11, wire.join(', '));
    for (const name of wire) {
      assert.equal(gateway[name], (agentapi as Record<string, unknown>)[name], `gateway.${name}`);
    }
  });

  it('has no module over 450 lines, and no images.ts doing five jobs', () => {
    const long = conductor
      .map((path) => ({ path: relative(SRC, path), lines: readFileSync(path, 'utf8').split('\n').length }))
      .filter((f) => f.lines > 450);
    assert.deepEqual(long, []);
    assert.ok(!conductor.some((path) => path.endsWith(join('gimming-conductor', 'images.ts'))));
  });

  it('the task registry makes each kind of task, and import tasks once connected', () => {
    const deps = { gateway: new GrpcAgentGateway() } as unknown as CopyTaskDeps;
    const registry = new TaskRegistry(deps);
    const ctx = RequestContext.forService();
    assert.ok(registry.make('copy', 't1', ctx) instanceof CopyTask);
    assert.ok(registry.make('delete', 't2', ctx) instanceof DeleteTask);
    assert.ok(registry.make('upload', 't3', ctx) instanceof UploadTask);
    assert.throws(() => registry.make('import', 't4', ctx), /not connected/);
    const engine = { onTaskEnd: undefined } as unknown as Parameters<TaskRegistry['connect']>[0];
    registry.connect(engine, {
      db: {} as never,
      uploads: {} as UploadService,
      deletion: {} as never,
      trusts: {} as never,
      afterCopy: async () => undefined,
    });
    assert.ok(registry.make('import', 't4', ctx) instanceof ImportTask);
    assert.equal(typeof (engine as { onTaskEnd?: unknown }).onTaskEnd, 'function', 'end-of-task hooks set');
    assert.equal(typeof deps.afterCopy, 'function', 'copies are shared like their image');
  });
});
