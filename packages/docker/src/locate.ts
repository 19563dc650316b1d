import { ENABLE_LABEL, MODULE_LABEL, readEnableLabel } from '@medic/domain';
import type { FailureReason, ResurrectionTarget, Result } from '@medic/domain';
import type { DockerClient, DockerContainerDetails, DockerContainerSummary } from './docker-client';
import { classifyDockerError } from './docker-errors';

/** The container a target resolved to. */
export interface LocatedContainer {
  readonly id: string;
  /** Its name without Docker's leading slash. */
  readonly name: string;
  readonly matchedBy: 'instance_id' | 'module_name' | 'module_label';
  /** Its current state, when the lookup read it already (found by name); saves the caller an inspect. */
  readonly details: DockerContainerDetails | null;
  /** Its labels ({} without any). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface LocateFailure {
  readonly reason: Extract<FailureReason, 'container_not_found' | 'ambiguous_target' | 'not_enabled'>;
  readonly message: string;
  /** not_enabled because of the container's own medic.enable label: what it said (a warning when its value was unreadable). */
  readonly label?: { readonly sentence: string; readonly warning: boolean };
}

/** Escapes regular-expression metacharacters (Docker's name filter is a Go regular expression). */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The container named exactly `name`, or null, in one request: the engine resolves a name as a full id, then an exact
 * name, then an id prefix, so the name it answers with is checked (a container whose id merely starts with `name` is not it).
 */
async function byExactName(docker: DockerClient, name: string): Promise<DockerContainerDetails | null> {
  try {
    const details = await docker.getContainer(name).inspect();
    return details.Name === `/${name}` ? details : null;
  } catch (error) {
    if (classifyDockerError(error) === 'not_found') return null;
    throw error;
  }
}

async function byModuleLabel(docker: DockerClient, module: string): Promise<DockerContainerSummary[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${MODULE_LABEL}=${module}`] } });
  return listed.filter((c) => c.Labels?.[MODULE_LABEL] === module);
}

/**
 * Finds the target's container (ARCHITECTURE.md, Pipeline): named exactly the instance id, else named exactly the
 * module, else the one container labelled medic.module=<module>; never a substring match. Then its own
 * say: medic.enable=false (or an unreadable value) always excludes it; with requireLabel only
 * medic.enable=true lets it through. Engine errors are thrown for the caller to classify.
 */
export async function locateContainer(
  docker: DockerClient,
  target: ResurrectionTarget,
  requireLabel: boolean,
): Promise<Result<LocatedContainer, LocateFailure>> {
  const found = await findContainer(docker, target);
  if (!found.ok) return found;
  const located = found.value;
  const enable = readEnableLabel(located.name, located.labels);
  if (enable.excluded !== null) {
    return { ok: false, error: { reason: 'not_enabled', message: enable.excluded, label: { sentence: enable.excluded, warning: enable.warning !== null } } };
  }
  if (requireLabel && !enable.optedIn) {
    return {
      ok: false,
      error: { reason: 'not_enabled', message: `container ${located.name} is not labelled ${ENABLE_LABEL}=true, which resurrection requires` },
    };
  }
  return { ok: true, value: located };
}

/** The target's container, by the rule locateContainer describes, before its labels are consulted. */
async function findContainer(docker: DockerClient, target: ResurrectionTarget): Promise<Result<LocatedContainer, LocateFailure>> {
  const labelsOf = (details: DockerContainerDetails): Readonly<Record<string, string>> => details.Config.Labels ?? {};
  const byInstance = await byExactName(docker, target.instanceId);
  if (byInstance) return { ok: true, value: { id: byInstance.Id, name: target.instanceId, matchedBy: 'instance_id', details: byInstance, labels: labelsOf(byInstance) } };
  if (target.module !== target.instanceId) {
    const byModule = await byExactName(docker, target.module);
    if (byModule) return { ok: true, value: { id: byModule.Id, name: target.module, matchedBy: 'module_name', details: byModule, labels: labelsOf(byModule) } };
  }
  const labelled = await byModuleLabel(docker, target.module);
  const [only, ...others] = labelled;
  if (only && others.length === 0) {
    const name = (only.Names[0] ?? only.Id).replace(/^\//, '');
    return { ok: true, value: { id: only.Id, name, matchedBy: 'module_label', details: null, labels: only.Labels ?? {} } };
  }
  if (only) {
    const names = labelled.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')).sort();
    return {
      ok: false,
      error: { reason: 'ambiguous_target', message: `${labelled.length} containers are labelled ${MODULE_LABEL}=${target.module}: ${names.join(', ')}` },
    };
  }
  return {
    ok: false,
    error: {
      reason: 'container_not_found',
      message: `no container named ${target.instanceId}${target.module !== target.instanceId ? ` or ${target.module}` : ''}, and none labelled ${MODULE_LABEL}=${target.module}`,
    },
  };
}
