export { ADMIN_CHALLENGE } from './auth.js';
export { ADMIN_PREFIX, type AdminDeps, registerAdminRoutes } from './register.js';
