export type { FileToolOptions } from './create-file-tool.ts';
export { createFileTool, DEFAULT_MAX_READ_BYTES } from './create-file-tool.ts';
