export { agentUrl } from './card.ts';
export type { TaskLeases } from './leases.ts';
export { createTaskLeases, DEFAULT_TASK_LEASE_MS, SERVER_LOST_MESSAGE } from './leases.ts';
export type { RunCapReached, RunTracker } from './runs.ts';
export { createRunTracker, SHUTDOWN_MESSAGE } from './runs.ts';
export type {
  A2AService,
  A2AServiceOptions,
  CallInfo,
  JsonRpcOutcome,
  JsonRpcResponse,
  RunState,
} from './service.ts';
export { createA2AService, createRunState, WORK_METHODS } from './service.ts';
