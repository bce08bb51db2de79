// Builds the dashboard into the Python package, where the server serves it.
// base './' keeps every asset URL relative: the server adds <base href> so the same build
// works at / and under any --base-url prefix.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  // plotly.js is bundled from its npm sources (the Live view registers only the trace types it
  // draws); its sources expect Node's `global`, `buffer` and `stream`, and the `regl` fork.
  resolve: {
    alias: {
      regl: '@plotly/regl',
      stream: 'stream-browserify',
      buffer: 'buffer/',
    },
  },
  define: {
    global: 'globalThis',
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: '../torchscope/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Views are split into their own chunks; only the shell is loaded up front.
    // The lazily loaded 2-D plotly.js chunk is ~1.25 MB (430 KB gzipped); the shell stays small.
    chunkSizeWarningLimit: 1400,
  },
});
