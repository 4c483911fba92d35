/**
 * @module Command line of `npm run tempest` and what a selection means to `tempest run`:
 * a regex, or an include-list file of anchored test ids.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

/** The 2022.11 "OpenStack Powered Compute" interop list: the shared conformance folder beside the
 * repository when present, else the snapshot kept in the repository. */
export const INTEROP_LIST = 'tests/tempest/interop-required-tests.txt'
const SHARED_INTEROP_LIST = '../shared/conformance/interop-required-tests.txt'

function interopListPath(repoRoot: string): string {
  const shared = join(repoRoot, SHARED_INTEROP_LIST)
  return existsSync(shared) ? shared : join(repoRoot, INTEROP_LIST)
}
export const INTEROP_SERVICES = ['identity', 'compute', 'image', 'network', 'volume'] as const

export const usage = `usage: npm run tempest -- <selection> [options]

selection:
  identity               every tempest.api.identity test (regex ^tempest\\.api\\.identity)
  interop                the ${INTEROP_SERVICES.length}-service interop list (${INTEROP_LIST})
  interop:<service>      its entries for one of ${INTEROP_SERVICES.join(', ')}
  list:<file>            a file of exact test ids, one per line (# comments allowed)
  <regex>                any other tempest selection regex

options:
  --url URL              use this cloud's Identity v3 URL instead of starting one
  --admin-password PW    the admin password of that cloud (required with --url)
  --region NAME          region in the catalog (default RegionOne)
  --concurrency N        tempest workers (default 2)
  --keep-cloud           leave the started cloud's data dir in place (for debugging)
  --write-passing FILE   write the ids of the tests that passed to FILE (e.g. tests/tempest/identity-passing.txt)
`

export type Options = {
  selection: string
  url?: string
  adminPassword?: string
  region: string
  concurrency: number
  keepCloud: boolean
  writePassing?: string
}

export function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      url: { type: 'string' }, 'admin-password': { type: 'string' }, region: { type: 'string' },
      concurrency: { type: 'string' }, 'keep-cloud': { type: 'boolean' }, 'write-passing': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || positionals.length !== 1) throw new UsageError(usage)
  if (values.url && !values['admin-password']) throw new UsageError('--url needs --admin-password\n\n' + usage)
  const concurrency = Number(values.concurrency ?? 2)
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer')
  return {
    selection: positionals[0],
    url: values.url?.replace(/\/+$/, ''),
    adminPassword: values['admin-password'],
    region: values.region ?? 'RegionOne',
    concurrency,
    keepCloud: values['keep-cloud'] ?? false,
    writePassing: values['write-passing'],
  }
}

export class UsageError extends Error {}

/** What to hand `tempest run`: either `--regex` or `--include-list` (a file written to the workspace). */
export type Selection = { regex: string } | { includeList: string[]; source: string }

export function resolveSelection(selection: string, repoRoot: string): Selection {
  if (selection === 'identity') return { regex: '^tempest\\.api\\.identity' }
  if (selection === 'interop' || selection.startsWith('interop:')) {
    const service = selection.slice('interop:'.length)
    let ids = readIdList(interopListPath(repoRoot))
    if (selection !== 'interop') {
      if (!(INTEROP_SERVICES as readonly string[]).includes(service)) {
        throw new UsageError(`unknown interop service "${service}"; choose from ${INTEROP_SERVICES.join(', ')}`)
      }
      ids = ids.filter((id) => id.startsWith(`tempest.api.${service}.`))
    }
    return { includeList: ids.map(anchor), source: selection }
  }
  if (selection.startsWith('list:')) {
    const file = resolve(selection.slice('list:'.length))
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`)
    const ids = readIdList(file)
    if (ids.length === 0) throw new UsageError(`${file} lists no tests`)
    return { includeList: ids.map(anchor), source: file }
  }
  return { regex: selection }
}

/** Test ids of a list file: one per line; blank lines, `#` comments and `[attrs]` ignored. */
export function readIdList(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n')
    .map((l) => l.replace(/#.*/, '').trim().replace(/\[.*$/, ''))
    .filter(Boolean)
}

/**
 * Include-list lines are regexes matched with re.search, so a plain name also selects every test
 * that starts with it. Anchoring selects exactly that test (its id is followed by `[attrs]`).
 */
export function anchor(id: string): string {
  return `^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\[|$)`
}
