/**
 * @module `npm run tempest -- <selection> [--url URL --admin-password PW]`: runs OpenStack's
 * tempest against Nubis. Without --url it starts a throwaway cloud (`nubis up`) and removes it
 * afterwards. Prints one line per test, then `N passed, N failed, N skipped` and the failed ids.
 * Exit code 0 only when nothing failed and at least one test passed.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cloudPaths, removeDataDir, startCloud, type StartedCloud } from './tempest/cloud.ts'
import { killTempest, listTests, runTests, summarize } from './tempest/runner.ts'
import { parseOptions, resolveSelection, UsageError } from './tempest/selection.ts'
import { prepareServices, probeServices, writeWorkspace } from './tempest/workspace.ts'
import { ensureTempest } from './tempest/install.ts'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const say = (line: string) => process.stdout.write(line + '\n')
const rel = (p: string) => relative(process.cwd(), p) || '.'

let cloud: StartedCloud | undefined
let keepCloud = false
let cleaning: Promise<void> | undefined

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    killTempest()
    if (!cloud) return
    await cloud.stop()
    if (!keepCloud) removeDataDir(cloud.dataDir)
  })()
  return cleaning
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\ntempest: ${signal}; stopping tempest and the cloud\n`)
    void cleanup().finally(() => process.exit(130))
  })
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv)
  keepCloud = opts.keepCloud
  const selection = resolveSelection(opts.selection, repoRoot)
  await ensureTempest(say)
  pruneWorkspaces(join(repoRoot, '.tempest'), 10)
  const workspace = join(repoRoot, '.tempest', `ws-${process.pid}`)
  mkdirSync(workspace, { recursive: true })

  let url = opts.url
  let adminPassword = opts.adminPassword
  if (!url) {
    const { dataDir } = cloudPaths(repoRoot, process.pid)
    say(`starting a cloud in ${rel(dataDir)} ...`)
    cloud = await startCloud({ repoRoot, dataDir, logFile: join(workspace, 'cloud.log') })
    url = cloud.url
    adminPassword = cloud.adminPassword
    say(`cloud up at ${url} (log: ${rel(cloud.logFile)})`)
  }
  const probe = await probeServices(url, adminPassword!, opts.region)
  const enabled = Object.entries(probe.available).filter(([, on]) => on).map(([name]) => name)
  say(`services: keystone${enabled.map((s) => ', ' + s).join('')} (${probe.notes.join('; ') || 'no other endpoints'})`)
  const extra = await prepareServices(probe)
  const { includeFile } = writeWorkspace(
    { workspace, url, adminPassword: adminPassword!, region: opts.region, available: probe.available, extra },
    'includeList' in selection ? selection.includeList : undefined)

  const selected = await listTests(workspace, selection, includeFile)
  say(`running ${selected.length} tests (${'regex' in selection ? `regex ${selection.regex}` : selection.source}), ` +
    `concurrency ${opts.concurrency}, workspace ${rel(workspace)}`)
  if (selected.length === 0) {
    say('0 passed, 0 failed, 0 skipped')
    return 1
  }
  const results = await runTests(workspace, selection, includeFile, opts.concurrency, selected, say)
  const s = summarize(selected, results)

  say('')
  say(`${s.passed.length} passed, ${s.failed.length} failed, ${s.skipped.length} skipped`)
  if (s.failed.length) {
    say('failed:')
    for (const id of s.failed.toSorted()) say(`  ${id}${s.notes.has(id) ? `  (${s.notes.get(id)})` : ''}`)
  }
  say('')
  say(`tracebacks: ${rel(join(workspace, 'tempest-output.txt'))}; HTTP log: ${rel(join(workspace, 'tempest.log'))}` +
    (cloud ? `; cloud log: ${rel(cloud.logFile)}` : ''))
  say(`subunit:    (cd ${rel(workspace)} && stestr last --subunit > last.subunit)`)
  if (opts.writePassing) {
    const header = `# Tempest tests that pass against Nubis (selection: ${opts.selection}); CI keeps them passing with\n` +
      `#   npm run tempest -- list:${rel(opts.writePassing)}\n` +
      `# Regenerate: npm run tempest -- ${opts.selection} --write-passing ${rel(opts.writePassing)}\n`
    writeFileSync(opts.writePassing, header + s.passed.toSorted().join('\n') + '\n')
    say(`wrote ${s.passed.length} passing test ids to ${rel(opts.writePassing)}`)
  }
  if (results.outcomes.size === 0 && results.exitCode !== 0) say(`tempest exited with ${results.exitCode} and reported no test`)
  return s.failed.length === 0 && s.passed.length > 0 ? 0 : 1
}

/** Keeps the newest `keep - 1` earlier workspaces (each holds a run's logs and stestr results). */
function pruneWorkspaces(dir: string, keep: number): void {
  if (!existsSync(dir)) return
  const old = readdirSync(dir).filter((n) => n.startsWith('ws-')).map((n) => join(dir, n))
    .map((p) => ({ p, at: statSync(p).mtimeMs })).sort((a, b) => b.at - a.at).slice(keep - 1)
  for (const { p } of old) rmSync(p, { recursive: true, force: true })
}

main(process.argv.slice(2))
  .catch((err) => {
    process.stderr.write(err instanceof UsageError ? err.message : `tempest: ${err instanceof Error ? err.message : String(err)}\n`)
    return 2
  })
  .then(async (code) => {
    await cleanup()
    process.exit(code)
  })
