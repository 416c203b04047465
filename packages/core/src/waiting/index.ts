export * from './followers.js';
export * from './keys.js';
export * from './line.js';
export * from './place.js';
export * from './room.js';
