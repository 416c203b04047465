import { z } from 'zod';
import { PoolAnswerSchema } from '../openapi/pool-schema.js';

/** `GET /admin/pool.json`: the pool as /v1/pool shows it, and the server's time to count down against. */
export const AdminPoolAnswerSchema = PoolAnswerSchema.extend({
  now: z.iso.datetime().describe('The server’s clock when the snapshot was taken'),
});
