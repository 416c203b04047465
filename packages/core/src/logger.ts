import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevel } from './config/config.js';

export type { Logger };

/** Where credentials travel in log objects; pino replaces them before the line is written. */
export const REDACTED_PATHS: readonly string[] = [
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'key',
  'secret',
  '*.secret',
  'webhookSecret',
  '*.webhookSecret',
  'password',
  '*.password',
];

export interface CreateLoggerOptions {
  level: LogLevel;
  name?: string;
  /** Defaults to stdout; tests pass a stream to read what was written. */
  destination?: DestinationStream;
}

/** A pino logger: object first, errors under `err`, secrets redacted. Child loggers carry job context. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    errorKey: 'err',
    serializers: { err: pino.stdSerializers.err },
  };
  if (options.name !== undefined) pinoOptions.name = options.name;
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
