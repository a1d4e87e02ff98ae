// Builds app/ui/vendor/codemirror.js from entry.js: minified, its licences kept at
// the end. The output depends only on the locked packages, so CI can rebuild it and
// compare.
import { build } from 'esbuild';

await build({
  entryPoints: ['entry.js'],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2020',
  legalComments: 'eof',
  outfile: '../ui/vendor/codemirror.js',
  logLevel: 'warning',
});
