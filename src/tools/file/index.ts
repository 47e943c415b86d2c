export type { FileHandlerName, FileToolOptions } from './create-file-tool.ts';
export { createFileTool, DEFAULT_MAX_READ_BYTES, DEFAULT_MAX_WRITE_BYTES } from './create-file-tool.ts';
