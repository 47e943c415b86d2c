/**
 * Doctor check: security switches whose value comes from the environment (`require_approval: ${SHELL_APPROVAL}`,
 * `host: ${BIND:-127.0.0.1}`). Doctor cannot see the deployment's environment, so config/inspect-config.ts grades
 * such a switch at its UNSAFE value where it has one; this check says so, and that one changed variable turns
 * the control off. See doctor.ts for the contract and docs/doctor.md for the id.
 */
import type { Config, EnvSwitch } from '../config/index.ts';
import { exposure } from './doctor-access.ts';
import { type Finding, finding as make } from './doctor-finding.ts';

/** One `env-controlled-security-switch` finding per switch set from the environment. */
export function envSwitchFindings(config: Config, switches: ReadonlyMap<string, EnvSwitch> | undefined): Finding[] {
  if (switches === undefined || switches.size === 0) return [];
  const publicWhy = exposure(config);
  return [...switches].map(([path, { raw, graded }]) => {
    const field = path.split('.').at(-1) ?? path;
    const how =
      graded === undefined
        ? 'it was graded as resolved here, which may not be what the deployment gets'
        : `it was graded with the unsafe value (${graded})`;
    const fix =
      path === 'server.host'
        ? 'write server.host in the file (127.0.0.1 behind a local proxy), or grade the bind of each deployment with hector doctor --host <address>'
        : `write the value in the file (${field}: <the safe value>) and keep $` +
          '{VAR} for secrets and addresses; if it must vary, grade each deployment with its environment set';
    return make(
      'env-controlled-security-switch',
      publicWhy ? 'high' : 'medium',
      path,
      `${path} comes from the environment (${raw}): one changed or missing variable switches this control, and doctor cannot see the deployment's value, so ${how}`,
      fix,
    );
  });
}
