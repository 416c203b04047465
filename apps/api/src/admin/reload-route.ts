import type { ProvidersSource } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import { ApiError, type FieldError } from '../errors.js';

export interface ReloadRouteDeps {
  providers: ProvidersSource;
}

/**
 * `POST /reload` (under /admin): re-reads PROVIDERS_FILE as SIGHUP does, and answers the version
 * every process now moves to; a bad file is refused with its fields named, the version in force stays.
 */
export function registerReloadRoute(app: FastifyInstance, deps: ReloadRouteDeps): void {
  app.post('/reload', async () => {
    const outcome = await deps.providers.reload();
    if (!outcome.ok) {
      throw new ApiError(
        'invalid_providers_file',
        `The providers file was refused; version ${outcome.version} stays in force.`,
        outcome.error.issues.map(toFieldError),
      );
    }
    return { providersVersion: outcome.version, changed: outcome.changed, instances: outcome.instances };
  });
}

/** ConfigError issues read `providers[0].apiKey: why`; a problem names the field on its own. */
function toFieldError(issue: string): FieldError {
  const colon = issue.indexOf(': ');
  return colon < 0
    ? { field: '(file)', message: issue }
    : { field: issue.slice(0, colon), message: issue.slice(colon + 2) };
}
