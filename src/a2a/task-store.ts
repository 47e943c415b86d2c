import { Task, type TaskState, taskStateToJSON } from '@a2a-js/sdk';
import type { TaskStore as SdkTaskStore, ServerCallContext } from '@a2a-js/sdk/server';
import type { TaskStore } from '../persistence/index.ts';
import { InvalidRequestError, type JsonValue, scopeOf } from '../shared/index.ts';
import { isActiveState } from './leases.ts';
import { principalOf } from './principal-user.ts';
import type { RunTracker } from './runs.ts';

type ListParams = Parameters<SdkTaskStore['list']>[0];
type ListResult = Awaited<ReturnType<SdkTaskStore['list']>>;

/**
 * Adapts Hector's scoped task store to the A2A SDK. The scope always comes from the call's verified principal,
 * so a task id from another user or app loads as "not found". Saves are registered with `runs`, so shutdown
 * does not close the database under a run's last status. An active task is saved with a lease of `leaseMs`
 * (see leases.ts).
 */
export function createSdkTaskStore(
  store: TaskStore,
  agent: string,
  runs: RunTracker | undefined,
  leaseMs: number,
): SdkTaskStore {
  return {
    async save(task: Task, context: ServerCallContext): Promise<void> {
      const scope = scopeOf(principalOf(context));
      const state = task.status ? taskStateToJSON(task.status.state) : 'TASK_STATE_UNSPECIFIED';
      const write = store.save(scope, {
        id: task.id,
        contextId: task.contextId,
        agent,
        state,
        task: Task.toJSON(task) as JsonValue,
        ...(isActiveState(state) ? { leaseMs } : {}),
      });
      runs?.addWrite(write);
      await write;
    },
    async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
      const row = await store.get(scopeOf(principalOf(context)), taskId);
      if (!row || row.agent !== agent) return undefined;
      return Task.fromJSON(row.task);
    },
    async list(params: ListParams, context: ServerCallContext): Promise<ListResult> {
      const pageSize = params.pageSize ?? 50;
      if (pageSize < 1 || pageSize > 100) throw new InvalidRequestError('pageSize must be between 1 and 100');
      const page = await store.list(scopeOf(principalOf(context)), {
        agent,
        limit: pageSize,
        ...(params.contextId ? { contextId: params.contextId } : {}),
        ...(params.pageToken ? { cursor: params.pageToken } : {}),
      });
      const wanted: TaskState | undefined = params.status || undefined;
      const tasks = page.tasks
        .map((r) => Task.fromJSON(r.task))
        .filter((t) => wanted === undefined || t.status?.state === wanted);
      return { tasks, nextPageToken: page.nextCursor ?? '', pageSize, totalSize: tasks.length };
    },
  };
}
