export { MetricsRecorder, type RecorderDeps } from './recorder.js';
export {
  createWorkerMetrics,
  type DispatchMeter,
  type WebhookMeter,
  type WorkerMetrics,
} from './worker-metrics.js';
