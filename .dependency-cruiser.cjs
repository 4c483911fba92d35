/** Folder rules from docs/architecture.md: services meet only at each other's root files. */
module.exports = {
  forbidden: [
    { name: 'common-knows-no-service', severity: 'error', from: { path: '^src/common/' }, to: { path: '^src/(?!common/)' } },
    {
      name: 'services-meet-at-root-files', severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/(identity|image|compute|block-storage|network|placement)/[^/]+/', pathNot: '^src/$1/' },
    },
    { name: 'cli-imports-service-roots-only', severity: 'error', from: { path: '^src/cli/' }, to: { path: '^src/(identity|image|compute|block-storage|network|placement)/[^/]+/' } },
    { name: 'nothing-imports-cli', severity: 'error', from: { path: '^src/(?!cli/)' }, to: { path: '^src/cli/' } },
    { name: 'host-agents-have-no-db', severity: 'error', from: { path: '^src/(compute/agent|network/(agents|dhcp|l3))/' }, to: { path: '/db/' } },
    { name: 'virt-drivers-stay-apart', severity: 'error', from: { path: '^src/compute/virt/([^/]+)/' }, to: { path: '^src/compute/virt/[^/]+/', pathNot: '^src/compute/virt/$1/' } },
    { name: 'src-never-imports-tests', severity: 'error', from: { path: '^src/' }, to: { path: '^(tests|scripts|bench)/' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}
