export * from './cancel-watch.js';
export * from './cancellation.js';
export * from './failure.js';
export * from './job-data.js';
export * from './requests.js';
export * from './results.js';
export * from './view.js';
export * from './view-schema.js';
