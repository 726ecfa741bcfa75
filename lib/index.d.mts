// Types of the ES module entry (index.mjs): the CommonJS build's, re-exported.
export * from './index.js';
declare const library: typeof import('./index.js');
export default library;
