import type { JobView, JobViewSchema } from '@spillway/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { JobView as CliJobView } from '../../apps/cli/src/api-types.js';

// Checked by `npm run typecheck` (tsc reads test/): a copy of the job view that drifts fails there.
describe('one job-view definition', () => {
  it('the JobView type is what the schema describes', () => {
    expectTypeOf<JobView>().toEqualTypeOf<z.infer<typeof JobViewSchema>>();
  });

  it('the CLI reads the server’s own job view, not a copy of it', () => {
    expectTypeOf<CliJobView>().toEqualTypeOf<JobView>();
    expectTypeOf<CliJobView>().toHaveProperty('startedAt');
    expectTypeOf<CliJobView>().toHaveProperty('planJobId');
    expectTypeOf<CliJobView>().toHaveProperty('metadata');
  });
});
