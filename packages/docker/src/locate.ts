import type { ResurrectionError, ResurrectionTarget, Result } from '@medic/domain';
import type { DockerClient, DockerContainerSummary } from './docker-client';

/** Label naming the module a container serves, for containers whose name is not the module's. */
export const MODULE_LABEL = 'medic.module';
/** Label opting a container in to resurrection when `requireLabel` is on; its value must be "true". */
export const ENABLE_LABEL = 'medic.enable';

/** The container a target resolved to. */
export interface LocatedContainer {
  readonly id: string;
  /** Its name without Docker's leading slash. */
  readonly name: string;
  readonly matchedBy: 'instance_id' | 'module_name' | 'module_label';
}

export interface LocateFailure {
  readonly error: Extract<ResurrectionError, 'container_not_found' | 'ambiguous_target' | 'not_enabled'>;
  readonly message: string;
}

/** Escapes regular-expression metacharacters (Docker's name filter is a Go regular expression). */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Containers named exactly `name`: anchored filter on the engine (with or without Docker's leading slash), exact comparison here. */
async function byExactName(docker: DockerClient, name: string): Promise<DockerContainerSummary[]> {
  const listed = await docker.listContainers({ all: true, filters: { name: [`^/?${escapeRegExp(name)}$`] } });
  return listed.filter((c) => c.Names.includes(`/${name}`));
}

async function byModuleLabel(docker: DockerClient, module: string): Promise<DockerContainerSummary[]> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${MODULE_LABEL}=${module}`] } });
  return listed.filter((c) => c.Labels?.[MODULE_LABEL] === module);
}

/**
 * Finds the target's container (DESIGN §5): named exactly the instance id, else named exactly the
 * module, else the one container labelled medic.module=<module>; never a substring match. Engine
 * errors are thrown for the caller to classify.
 */
export async function locateContainer(
  docker: DockerClient,
  target: ResurrectionTarget,
  requireLabel: boolean,
): Promise<Result<LocatedContainer, LocateFailure>> {
  const found = await findCandidate(docker, target);
  if (!found.ok) return found;
  const { summary, matchedBy } = found.value;
  const name = summary.Names.find((n) => n === `/${target.instanceId}` || n === `/${target.module}`) ?? summary.Names[0] ?? summary.Id;
  const located: LocatedContainer = { id: summary.Id, name: name.replace(/^\//, ''), matchedBy };
  if (requireLabel && summary.Labels?.[ENABLE_LABEL] !== 'true') {
    return {
      ok: false,
      error: { error: 'not_enabled', message: `container ${located.name} is not labelled ${ENABLE_LABEL}=true, which resurrection requires` },
    };
  }
  return { ok: true, value: located };
}

async function findCandidate(
  docker: DockerClient,
  target: ResurrectionTarget,
): Promise<Result<{ summary: DockerContainerSummary; matchedBy: LocatedContainer['matchedBy'] }, LocateFailure>> {
  const [byInstance] = await byExactName(docker, target.instanceId);
  if (byInstance) return { ok: true, value: { summary: byInstance, matchedBy: 'instance_id' } };
  if (target.module !== target.instanceId) {
    const [byModule] = await byExactName(docker, target.module);
    if (byModule) return { ok: true, value: { summary: byModule, matchedBy: 'module_name' } };
  }
  const labelled = await byModuleLabel(docker, target.module);
  const [only, ...others] = labelled;
  if (only && others.length === 0) return { ok: true, value: { summary: only, matchedBy: 'module_label' } };
  if (only) {
    const names = labelled.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')).sort();
    return {
      ok: false,
      error: { error: 'ambiguous_target', message: `${labelled.length} containers are labelled ${MODULE_LABEL}=${target.module}: ${names.join(', ')}` },
    };
  }
  return {
    ok: false,
    error: {
      error: 'container_not_found',
      message: `no container named ${target.instanceId}${target.module !== target.instanceId ? ` or ${target.module}` : ''}, and none labelled ${MODULE_LABEL}=${target.module}`,
    },
  };
}
