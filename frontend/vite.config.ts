// Builds the dashboard into the Python package, where the server serves it.
// base './' keeps every asset URL relative: the server adds <base href> so the same build
// works at / and under any --base-url prefix.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: '../torchscope/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // Views are split into their own chunks; only the shell is loaded up front.
    chunkSizeWarningLimit: 1024,
  },
});
