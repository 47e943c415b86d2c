export { agentUrl } from './card.ts';
export type { A2AService, A2AServiceOptions, CallInfo, JsonRpcOutcome, JsonRpcResponse } from './service.ts';
export { createA2AService, WORK_METHODS } from './service.ts';
