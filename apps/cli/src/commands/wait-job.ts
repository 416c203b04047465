import { type JobView, TERMINAL } from '../api-types.js';
import type { ApiClient } from '../client.js';

/** Long-polls the job (the API holds each request up to 30 s) until it reaches a terminal status. */
export async function waitForJob(client: ApiClient, id: string): Promise<JobView> {
  for (;;) {
    const view = await client.json<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}?wait=30`);
    if (TERMINAL.has(view.status)) return view;
  }
}
