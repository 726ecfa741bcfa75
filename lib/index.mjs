// ES module entry: the CommonJS build re-exported (Node finds its export names), so one instance
// of the library serves import and require alike.
export * from './index.js';
import library from './index.js';
export default library;
