/** `npm run bench <name>`: runs one benchmark and prints its report. */
const benches: Record<string, () => Promise<void>> = {
  identity: async () => (await import('./identity.ts')).benchIdentity(),
  network: async () => (await import('./network.ts')).benchNetwork(),
  image: async () => (await import('./image.ts')).benchImage(),
  compute: async () => (await import('./compute.ts')).benchCompute(),
  scheduling: async () => (await import('./compute.ts')).benchSchedulingAtScale(),
}

const name = process.argv[2]
if (!name || !(name in benches)) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`)
  process.exit(2)
}
await benches[name]()
