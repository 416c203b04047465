import { createServer, Socket } from 'node:net';

export interface CountingProxy {
  /** Base URL for a provider's `baseUrl` (ends in /v1). */
  url: string;
  /** Where connections go; set once the upstream is listening. */
  upstreamPort: number;
  /** Ids of the client connections open right now. */
  openConnections(): number[];
  /** Resolves once every one of these connections has closed, or rejects after `ms`. */
  whenClosed(ids: readonly number[], ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP pass-through on loopback that tracks the worker's connections to the provider, so a test
 * can see that a cancelled call really hung up instead of waiting for its timeout.
 */
export async function startCountingProxy(): Promise<CountingProxy> {
  const open = new Map<number, Socket>();
  const upstreams = new Set<Socket>();
  const listeners = new Set<() => void>();
  const proxy = { upstreamPort: 0 };
  let nextId = 1;
  const server = createServer((client) => {
    const id = nextId++;
    open.set(id, client);
    const upstream = new Socket();
    upstreams.add(upstream);
    upstream.connect(proxy.upstreamPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      open.delete(id);
      end();
      for (const listener of listeners) listener();
    });
    upstream.on('close', () => {
      upstreams.delete(upstream);
      end();
    });
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}/v1`,
    openConnections: () => [...open.keys()],
    whenClosed(ids: readonly number[], ms: number) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (ids.some((id) => open.has(id))) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `connection(s) ${ids.filter((id) => open.has(id)).join(', ')} still open after ${ms} ms`,
            ),
          );
        }, ms);
        listeners.add(check);
        check();
      });
    },
    close() {
      for (const socket of [...open.values(), ...upstreams]) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
