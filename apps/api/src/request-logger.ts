import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LogFn, Logger } from 'pino';

/**
 * A request's logger (`request.log`) that becomes the pino child Fastify would have made (the
 * request's `reqId` bound) only when a line is first written at an enabled level. Making a child
 * runs its bindings through every redaction path; that cost a submission more than validating
 * its body did, and a request usually writes nothing beyond what the level drops.
 */
class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  #real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings);
    return this.#child;
  }

  #at(level: Level): LogFn {
    return ((...args: Parameters<LogFn>) => {
      if (this.#child || this.parent.isLevelEnabled(level)) this.#real()[level](...args);
    }) as LogFn;
  }

  fatal = this.#at('fatal');
  error = this.#at('error');
  warn = this.#at('warn');
  info = this.#at('info');
  debug = this.#at('debug');
  trace = this.#at('trace');
  silent: LogFn = () => {};

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

/**
 * For Fastify's `childLoggerFactory`. A route with its own log level or serializers gets its child
 * at once: the level test above is the parent's.
 */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) =>
  options.level !== undefined || options.serializers !== undefined
    ? logger.child(bindings, options)
    : new LazyRequestLogger(logger as Logger, bindings);
