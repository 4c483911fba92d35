/**
 * @module `nubis doctor`: checks this host for what the real drivers need and says how to fix
 * what is missing; and the start-up hook that installs missing host packages.
 */
import { hostChecks, type HostCheck } from './checks.ts'

export { ensureHostPackages, missingPackages, defaultHostPackages } from './host-packages.ts'

/** ok; warn: works with less (e.g. TCG instead of KVM); missing: a required thing is absent. */
export type CheckStatus = 'ok' | 'warn' | 'missing' | 'skipped'

export type CheckResult = {
  id: string
  title: string
  requiredBy: string
  package: string
  status: CheckStatus
  detail: string
  /** What to do about a warning or a missing item. */
  hint?: string
}

/** Runs one check; a check that throws counts as failed, never crashes the doctor. */
export async function runCheck(c: HostCheck, isRoot: boolean): Promise<CheckResult> {
  const base = { id: c.id, title: c.title, requiredBy: c.requiredBy, package: c.package }
  if (c.needsRoot && !isRoot) return { ...base, status: 'skipped', detail: 'skipped (needs root)' }
  const outcome = await c.check().catch((err: unknown) => ({
    ok: false, detail: `check failed: ${err instanceof Error ? err.message : String(err)}`, fix: undefined,
  }))
  if (outcome.ok) return { ...base, status: 'ok', detail: outcome.detail }
  if (c.optional) return { ...base, status: 'warn', detail: outcome.detail, hint: outcome.fix }
  return {
    ...base, status: 'missing', detail: outcome.detail,
    hint: `${outcome.fix ?? `install: apt-get install ${c.package}`} (needed by ${c.requiredBy})`,
  }
}

/** Pure: the aligned table, a summary line and, when something is missing, one install command. */
export function formatReport(results: CheckResult[]): { lines: string[]; ok: boolean } {
  const rows = [['STATUS', 'CHECK', 'DETAIL'], ...results.map((r) => [r.status, r.title, r.detail])]
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)))
  const indent = ' '.repeat(widths[0] + widths[1] + 4)
  const lines: string[] = []
  rows.forEach((row, i) => {
    lines.push(`${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2]}`.trimEnd())
    const hint = i > 0 ? results[i - 1].hint : undefined
    if (hint) lines.push(`${indent}${hint}`)
  })
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length
  const missing = results.filter((r) => r.status === 'missing')
  const ok = missing.length === 0
  lines.push('')
  lines.push(
    `${count('ok')} ok, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${missing.length} missing, ${count('skipped')} skipped: ` +
      (ok ? 'this host can run the real drivers' : `not ready for ${[...new Set(missing.flatMap((r) => r.requiredBy.split(', ')))].join(', ')}`),
  )
  const packages = [...new Set(missing.filter((r) => r.hint?.startsWith('install:')).map((r) => r.package))]
  if (packages.length) lines.push(`to install what is missing: apt-get install -y --no-install-recommends ${packages.join(' ')}`)
  return { lines, ok }
}

/**
 * Runs every check (in parallel: each creates only uniquely named, throwaway objects), prints the
 * report, and resolves ok=false only when something required is missing.
 */
export async function runDoctor(o: {
  print: (line: string) => void
  checks?: HostCheck[]
  isRoot?: boolean
}): Promise<{ ok: boolean; checks: CheckResult[] }> {
  const isRoot = o.isRoot ?? process.getuid?.() === 0
  const checks = await Promise.all((o.checks ?? hostChecks).map((c) => runCheck(c, isRoot)))
  const report = formatReport(checks)
  if (!isRoot) o.print('not running as root: checks that create network devices are skipped')
  for (const line of report.lines) o.print(line)
  return { ok: report.ok, checks }
}
