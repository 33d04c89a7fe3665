export * from './errors.js';
export * from './shape.js';
export * from './ops.js';
export * from './node.js';
export * from './graph.js';
export * from './model.js';
