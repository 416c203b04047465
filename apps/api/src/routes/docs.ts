import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/document.js';
import { renderDocsPage } from '../openapi/page.js';
import type { RouteTable } from '../route-table.js';

/** `/docs` (a readable page) and `/docs/openapi.json`, built once from the routes the app really has. */
export function registerDocsRoutes(app: FastifyInstance, routes: RouteTable): void {
  let built: { document: Record<string, unknown>; json: string; page: string } | undefined;
  // Built on first use: by then every route, in every plugin, is registered.
  const docs = () => {
    if (!built) {
      const document = buildOpenApiDocument(routes.routes);
      built = { document, json: JSON.stringify(document), page: renderDocsPage(document) };
    }
    return built;
  };
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(docs().page));
  app.get('/docs/openapi.json', async (_request, reply) => reply.type('application/json').send(docs().json));
}
