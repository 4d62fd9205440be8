/**
 * The dependency gate (`npm run lint`): imports flow bin → bot → jobs → tools → scoring, never backwards;
 * no cycles; the pure core (scoring/) imports nothing that does I/O. Static, dynamic (`import()`) and
 * type-only imports all count. scripts/check-deps.mjs adds what a dependency graph cannot see: who reads
 * process.env.
 */
const IO = '^(node:)?(fs|child_process|net|http|https|dgram|tls|worker_threads|cluster|readline|dns)(/|$)';
module.exports = {
  forbidden: [
    {
      name: 'scoring-is-pure-core',
      severity: 'error',
      comment: 'scoring/ imports only scoring/ and pure packages',
      from: { path: '^scoring/' },
      to: { path: '^(bin|bot|jobs|tools)/' },
    },
    {
      name: 'tools-below-jobs-and-bot',
      severity: 'error',
      from: { path: '^tools/' },
      to: { path: '^(bin|bot|jobs)/' },
    },
    { name: 'jobs-below-bot', severity: 'error', from: { path: '^jobs/' }, to: { path: '^(bin|bot)/' } },
    { name: 'bot-not-bin', severity: 'error', from: { path: '^bot/' }, to: { path: '^bin/' } },
    {
      name: 'scoring-no-io',
      severity: 'error',
      comment: 'no fs, network, processes or vendor SDKs in the pure core',
      from: { path: '^scoring/' },
      to: {
        path: [IO, 'node_modules/(ssh2|ioredis|bullmq|@slack|@anthropic-ai|@microsoft|pdf-lib|@pdf-lib)/'],
      },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(bin|bot|jobs|tools|scoring)/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-test-imports',
      severity: 'error',
      from: { path: '^(bin|bot|jobs|tools|scoring)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
