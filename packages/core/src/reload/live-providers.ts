import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Instance } from '../catalog/instance.js';
import { ConfigError } from '../config/errors.js';
import { loadProviders, type ProviderSetup, readProvidersFile } from '../config/providers.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis.js';
import { providersKeys, publishVersion, readPublished } from './published.js';
import type { ProvidersSource } from './source.js';

/** The providers configuration a process runs: which version, its instances and defaults. */
export interface ProvidersInForce {
  version: string;
  setup: ProviderSetup;
  instances: readonly Instance[];
  models: ReadonlySet<string>;
}

export type ReloadOutcome =
  | { ok: true; version: string; changed: boolean; instances: number }
  /** The file was refused: the version in force stays. */
  | { ok: false; error: ConfigError; version: string };

export interface LiveProvidersDeps {
  /** PROVIDERS_FILE; null serves the built-in simulated providers (reloads then change nothing). */
  file: string | null;
  /** Where `env:NAME` keys are read from. */
  env: Record<string, string | undefined>;
  simulatorUrl: string;
  /** Commands (publish, read the published version, report this process's version). */
  redis: RedisClient;
  /** A connection of its own for SUBSCRIBE (a subscribed connection takes no other command). */
  subscriber: RedisClient;
  prefix: string;
  logger: Logger;
  /** Names this process in the processes hash (api, worker). */
  role: string;
  /** How often the published version is checked besides pub/sub (a missed message, a reconnect). */
  checkEveryMs?: number;
}

const DEFAULT_CHECK_MS = 2000;

const hashOf = (text: string | null) =>
  createHash('sha256')
    .update(text ?? '')
    .digest('hex');

/**
 * The providers configuration, live: one holder per process, read per use (`current()`), so a
 * reload takes effect on the next job and the next request while calls in flight finish on the
 * instance they hold.
 *
 * A reload (SIGHUP, POST /admin/reload) re-reads the file and validates it; a bad file is refused
 * and the version in force stays. A good one is published in Redis (version = counter + content
 * hash) and announced; every process then re-reads its own copy of the file and runs it if its
 * content is the one published, within a check interval at worst (pub/sub makes it at once). The
 * file's content is never written to Redis: it may hold keys.
 */
export class LiveProviders implements ProvidersSource {
  readonly #deps: LiveProvidersDeps;
  readonly #id: string;
  readonly #listeners = new Set<(next: ProvidersInForce) => void>();
  #current: ProvidersInForce;
  #hash: string;
  #timer: NodeJS.Timeout | undefined;
  /** Reloads and checks run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #followPending = false;

  private constructor(deps: LiveProvidersDeps, setup: ProviderSetup, text: string | null, version: string) {
    this.#deps = deps;
    this.#id = `${deps.role}:${process.pid}@${hostname()}`;
    this.#hash = hashOf(text);
    this.#current = inForce(version, setup);
  }

  /**
   * Starts from the file as read at start (already validated), publishes it (a process started
   * with a new file makes it the version) and follows the published version from then on.
   */
  static async start(
    deps: LiveProvidersDeps,
    initial: { setup: ProviderSetup; text: string | null },
  ): Promise<LiveProviders> {
    const version = await publishVersion(deps.redis, deps.prefix, hashOf(initial.text));
    const live = new LiveProviders(deps, initial.setup, initial.text, version);
    await live.#report();
    await deps.subscriber.subscribe(providersKeys(deps.prefix).channel);
    deps.subscriber.on('message', (channel: string) => {
      if (channel === providersKeys(deps.prefix).channel) live.#followSoon();
    });
    const every = deps.checkEveryMs ?? DEFAULT_CHECK_MS;
    live.#timer = setInterval(() => live.#followSoon(), every);
    live.#timer.unref();
    return live;
  }

  current(): ProvidersInForce {
    return this.#current;
  }

  onChange(listener: (next: ProvidersInForce) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads and validates the file; publishes and runs it if good, keeps the version in force if not. */
  reload(): Promise<ReloadOutcome> {
    return this.#enqueue(async (): Promise<ReloadOutcome> => {
      let loaded: { setup: ProviderSetup; text: string | null };
      try {
        loaded = await this.#read();
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        this.#deps.logger.error(
          { issues: err.issues, version: this.#current.version },
          'providers file refused; the version in force stays',
        );
        return { ok: false, error: err, version: this.#current.version };
      }
      const hash = hashOf(loaded.text);
      const version = await publishVersion(this.#deps.redis, this.#deps.prefix, hash);
      const changed = version !== this.#current.version;
      await this.#apply(version, hash, loaded.setup);
      return { ok: true, version, changed, instances: loaded.setup.instances.length };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#queue.catch(() => {});
    await this.#deps.redis.hdel(providersKeys(this.#deps.prefix).processes, this.#id).catch(() => {});
  }

  /** At most one check waits its turn: while Redis is away, ticks must not pile up behind it. */
  #followSoon(): void {
    if (this.#followPending) return;
    this.#followPending = true;
    void this.#enqueue(() => {
      this.#followPending = false;
      return this.#follow();
    });
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Runs the published version if it is not the one in force and this process's file has it. */
  async #follow(): Promise<void> {
    if (this.#closed) return;
    let published: Awaited<ReturnType<typeof readPublished>>;
    try {
      published = await readPublished(this.#deps.redis, this.#deps.prefix);
    } catch (err) {
      this.#deps.logger.debug({ err }, 'could not read the published providers version');
      return;
    }
    if (!published || published.version === this.#current.version) return;
    if (published.hash === this.#hash) {
      await this.#apply(published.version, published.hash, this.#current.setup);
      return;
    }
    let loaded: { setup: ProviderSetup; text: string | null };
    try {
      loaded = await this.#read();
    } catch (err) {
      this.#deps.logger.error(
        { err, published: published.version, version: this.#current.version },
        'the published providers version does not load here; the version in force stays',
      );
      return;
    }
    if (hashOf(loaded.text) !== published.hash) {
      // Not there yet (a file still being synced to this host), or changed again since: next check.
      this.#deps.logger.warn(
        { published: published.version, version: this.#current.version },
        "this process's providers file is not the published version; the version in force stays",
      );
      return;
    }
    await this.#apply(published.version, published.hash, loaded.setup);
  }

  async #read(): Promise<{ setup: ProviderSetup; text: string | null }> {
    const { file, env, simulatorUrl } = this.#deps;
    const text = file ? await readProvidersFile(file) : null;
    return { setup: loadProviders({ fileText: text, fileName: file ?? undefined, env, simulatorUrl }), text };
  }

  async #apply(version: string, hash: string, setup: ProviderSetup): Promise<void> {
    if (version === this.#current.version) return;
    const before = this.#current;
    this.#hash = hash;
    this.#current = inForce(version, setup);
    this.#deps.logger.info(
      {
        version,
        previous: before.version,
        instances: this.#current.instances.map((i) => i.id),
      },
      'providers version in force',
    );
    for (const warning of setup.warnings) this.#deps.logger.warn({ version }, warning);
    for (const listener of this.#listeners) listener(this.#current);
    await this.#report();
  }

  async #report(): Promise<void> {
    await this.#deps.redis
      .hset(providersKeys(this.#deps.prefix).processes, this.#id, this.#current.version)
      .catch((err: unknown) => this.#deps.logger.debug({ err }, 'could not report the providers version'));
  }
}

function inForce(version: string, setup: ProviderSetup): ProvidersInForce {
  return {
    version,
    setup,
    instances: setup.instances,
    models: new Set(setup.instances.map((i) => i.model)),
  };
}
