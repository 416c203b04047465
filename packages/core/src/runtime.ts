import { type Config, loadConfig } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { loadProviders, type ProviderSetup, readProvidersFile } from './config/providers.js';
import { createLogger, type Logger } from './logger.js';
import type { RedisClient } from './redis.js';
import { LiveProviders } from './reload/live-providers.js';

export interface Runtime {
  config: Config;
  providers: ProviderSetup;
  /** The providers file's text as read at start (null: none), the first version LiveProviders runs. */
  providersText: string | null;
  logger: Logger;
}

/** Reads and validates everything a process needs at start: environment, providers file, logger. */
export async function loadRuntime(env: Record<string, string | undefined>, name: string): Promise<Runtime> {
  const config = loadConfig(env);
  const fileText = config.providersFile ? await readProvidersFile(config.providersFile) : null;
  const providers = loadProviders({
    fileText,
    fileName: config.providersFile ?? undefined,
    env,
    simulatorUrl: config.simulatorUrl,
  });
  const logger = createLogger({ level: config.logLevel, name });
  for (const warning of providers.warnings) logger.warn({ providersFile: config.providersFile }, warning);
  return { config, providers, providersText: fileText, logger };
}

/**
 * Starts a process, or stops it with a message that names what is wrong: a bad environment
 * variable or providers file ends the process before anything connects.
 */
export async function runMain(name: string, main: (runtime: Runtime) => Promise<void>): Promise<void> {
  let runtime: Runtime;
  try {
    runtime = await loadRuntime(process.env, name);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  try {
    await main(runtime);
  } catch (err) {
    runtime.logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
}

/**
 * The providers configuration a process runs, kept live: it starts from what the runtime read at
 * start, follows the versions other processes publish, and reloads on SIGHUP.
 */
export async function followProviders(
  runtime: Runtime,
  connections: { redis: RedisClient; subscriber: RedisClient; role: string },
): Promise<LiveProviders> {
  const { config, logger } = runtime;
  const live = await LiveProviders.start(
    {
      file: config.providersFile,
      env: process.env,
      simulatorUrl: config.simulatorUrl,
      prefix: config.queuePrefix,
      logger,
      ...connections,
    },
    { setup: runtime.providers, text: runtime.providersText },
  );
  onReloadSignal(logger, live);
  return live;
}

/** SIGHUP reloads the providers file (DESIGN.md); the outcome is logged by LiveProviders. */
export function onReloadSignal(logger: Logger, live: LiveProviders): void {
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading the providers file');
    live.reload().catch((err: unknown) => logger.error({ err }, 'providers reload failed'));
  });
}

/** Runs `stop` once on SIGTERM/SIGINT, then exits; a second signal exits at once. */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
