export { type ObservedQueues, openObservedQueues } from './observed-queues.js';
export { createMetricsRegistry, type MetricsDeps } from './registry.js';
export { registerMetricsRoute } from './route.js';
