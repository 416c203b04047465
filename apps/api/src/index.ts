export { type ApiDeps, buildApi } from './app.js';
export { createAuthenticator, generateDevKey } from './auth.js';
