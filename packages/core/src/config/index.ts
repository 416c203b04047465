export * from './secret.js';
