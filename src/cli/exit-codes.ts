/** Process exit codes of the `hector` command. */
export const EXIT = {
  ok: 0,
  /** The server failed at run time (port in use, storage unreachable, crash). */
  failure: 1,
  /** Bad usage or invalid configuration: nothing was started. */
  usage: 2,
} as const;
