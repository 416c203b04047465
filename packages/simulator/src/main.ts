import { pino } from 'pino';
import { simulatorOptionsFromEnv } from './env.js';
import { createSimulator } from './server.js';

/** `npm run simulator`: the simulated provider on its own, configured by SIMULATOR_* variables. */
async function main(): Promise<void> {
  const logger = pino({ name: 'simulator', level: process.env.LOG_LEVEL ?? 'info' });
  const simulator = await createSimulator(simulatorOptionsFromEnv(process.env));
  logger.info({ url: simulator.url }, 'simulator listening');
  const stop = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'simulator stopping');
    // Nothing else holds the event loop, so the process ends on its own once the server is closed.
    await simulator.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
