export { type ApiDeps, buildApi } from './app.js';
export { createAuthenticator, generateDevKey } from './auth.js';
export { sharedDevKey } from './dev-key.js';
export { API_ERRORS, type ApiErrorCode } from './errors.js';
export { blockingCopy, connectApiRedis } from './redis-connection.js';
