/**
 * The layout of DESIGN.md, enforced: stage folders talk only through each other's
 * index.ts, and imports point downward in this order (a folder may import any
 * folder listed before it, never one after it).
 */
const ORDER = ['core', 'config', 'chunk', 'ingest', 'embed', 'store', 'retrieve', 'model', 'prompt', 'gateway', 'cache', 'guard', 'trace', 'eval', 'agent', 'tenancy', 'jobs', 'app', 'server', 'cli'];
// testing/ (the fake upstream, exported as incontext/testing) stands beside the stages and uses only core.
const LOWER_OF_TESTING = ['core'];

const upward = ORDER.map((stage, i) => ({
  name: `no-upward-from-${stage}`,
  comment: `${stage} may import only stages listed before it in ORDER`,
  severity: 'error',
  from: { path: `^src/${stage}/` },
  to: { path: `^src/(${[...ORDER.slice(i + 1), 'testing'].join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'testing-uses-core-only',
      severity: 'error',
      from: { path: '^src/testing/' },
      to: { path: '^src/', pathNot: `^src/(testing|${LOWER_OF_TESTING.join('|')})/` },
    },
    {
      name: 'only-through-index',
      comment: 'another stage is imported only through its index.ts',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/.+', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.test\\.ts$|__fixtures__|conformance\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
