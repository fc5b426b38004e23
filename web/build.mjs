// Builds the console (src/console) and GraphiQL (src/graphiql) into dist/, which the Go
// package embeds. The output is deterministic, so `git diff --exit-code web/dist` after
// a build says whether the committed files are current.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const common = {
  bundle: true, minify: true, target: 'es2020', legalComments: 'eof', logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};
await esbuild.build({
  ...common, entryPoints: { app: 'src/console/main.jsx' }, outdir: 'dist/console/assets', format: 'esm',
  jsx: 'automatic', jsxImportSource: 'preact',
});
await esbuild.build({
  ...common, entryPoints: { graphiql: 'src/graphiql/main.jsx' }, outdir: 'dist/graphiql', format: 'iife',
  jsx: 'automatic', loader: { '.woff2': 'dataurl', '.woff': 'dataurl', '.ttf': 'dataurl' },
});
mkdirSync('dist/console', { recursive: true });
copyFileSync('src/console/index.html', 'dist/console/index.html');
copyFileSync('src/graphiql/index.html', 'dist/graphiql/index.html');
