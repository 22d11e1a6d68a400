export * from './errors.js';
export * from './cursor.js';
export * from './schemas.js';
export * from './messages.js';
