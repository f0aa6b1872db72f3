// Browsers, Web Workers, Deno and edge workers: `await init()` (or
// `initSync(module)` with a WebAssembly.Module the platform hands over)
// before the synchronous functions; check/checkHost/analyze load the
// module themselves.
export * from './core.js';
