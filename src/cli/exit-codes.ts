/** Process exit codes of the `hector` command. */
export const EXIT = {
  ok: 0,
  /** The server failed at run time (port in use, storage unreachable, crash). */
  failure: 1,
  /** Bad usage or invalid configuration: nothing was started. */
  usage: 2,
  /** `hector doctor` found problems at or above its `--fail-on` severity (default: high). */
  findings: 3,
  /** `hector audit verify` found a broken link in the audit trail's hash chain. */
  tampered: 4,
} as const;
