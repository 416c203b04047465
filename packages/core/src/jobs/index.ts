export * from './failure.js';
export * from './job-data.js';
export * from './requests.js';
export * from './results.js';
export * from './view.js';
