import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RouteEntry {
  method: string;
  /** Fastify's pattern, e.g. `/v1/jobs/:id`. */
  url: string;
}

/**
 * Every route the app registers, as fastify saw it (collected by an onRoute hook). It answers which
 * methods a path allows, for 405 and `Allow` (fastify itself answers 404 for a wrong method).
 */
export class RouteTable {
  readonly #routes: Array<RouteEntry & { pattern: RegExp }> = [];

  /** Must run before any route is registered: onRoute only sees routes added after it. */
  static collect(app: FastifyInstance): RouteTable {
    const table = new RouteTable();
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) table.add(method, route.url);
    });
    return table;
  }

  add(method: string, url: string): void {
    const normalized = trimSlash(url);
    if (this.#routes.some((r) => r.method === method && r.url === normalized)) return;
    this.#routes.push({ method: method.toUpperCase(), url: normalized, pattern: patternOf(normalized) });
  }

  get routes(): RouteEntry[] {
    return this.#routes.map(({ method, url }) => ({ method, url }));
  }

  /** The methods some route serves at this concrete path (empty: no route has this path at all). */
  methodsFor(path: string): string[] {
    const normalized = trimSlash(path.split('?')[0] ?? '');
    const methods = this.#routes.filter((r) => r.pattern.test(normalized)).map((r) => r.method);
    return [...new Set(methods)].sort();
  }
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function patternOf(url: string): RegExp {
  const parts = url.split('/').map((part) => {
    if (part === '*') return '.*';
    if (part.startsWith(':')) return '[^/]+';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}
