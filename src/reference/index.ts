export * from './evaluate.js';
export * from './compare.js';
