#!/usr/bin/env node
// The built CLI when there is one (npm run build -w @spillway/cli); otherwise the TypeScript
// sources through tsx, as the root scripts run the API and the worker.
import { existsSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
