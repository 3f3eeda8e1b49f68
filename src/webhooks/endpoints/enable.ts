import type { Logger } from '../../shared/logger';
import type { AnyEventInput } from '../../events/envelope';
import type { EndpointStore, EndpointView } from './endpoint-store';
import type { BacklogWaker } from './waker';
import { reportEndpoint } from './endpoints';

export interface EnableDeps {
  store: EndpointStore;
  waker: Pick<BacklogWaker, 'wake'>;
  logger: Logger;
  publish?: (input: AnyEventInput) => unknown;
}

export interface EnableResult {
  endpoint: EndpointView;
  /** it was disabled (a 410) until now */
  wasDisabled: boolean;
  /** held deliveries sent back to the queue at once */
  woken: number;
}

/**
 * An operator says the endpoint works: clears disabled and its circuit, and wakes every delivery
 * held for it. undefined for an unknown endpoint id. Reports 'enabled' when it was disabled.
 */
export async function enableEndpoint(deps: EnableDeps, id: string): Promise<EnableResult | undefined> {
  const url = await deps.store.url(id);
  if (!url) return undefined;
  const wasDisabled = await deps.store.enable(id);
  if (wasDisabled) reportEndpoint({ id, url }, { state: 'enabled' }, deps);
  const woken = await deps.waker.wake(id);
  return { endpoint: await deps.store.view(id, url), wasDisabled, woken };
}
