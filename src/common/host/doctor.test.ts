import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../log/logger.ts'
import { hostChecks, type HostCheck } from './checks.ts'
import { defaultHostPackages, ensureHostPackages, formatReport, missingPackages, runCheck, runDoctor, type CheckResult } from './doctor.ts'
import { aptProgress, isDebianLike, planHostPackages, type HostPackageDeps } from './host-packages.ts'
import { commandExists } from './run-command.ts'

const fake = (over: Partial<HostCheck> & { outcome?: { ok: boolean; detail: string; fix?: string } }): HostCheck => ({
  id: 'x', title: 'thing', requiredBy: 'compute (qemu driver)', package: 'pkg',
  check: async () => over.outcome ?? { ok: true, detail: 'fine' },
  ...over,
})

test('runCheck maps outcomes to ok / warn / missing / skipped', async () => {
  assert.equal((await runCheck(fake({}), true)).status, 'ok')
  const missing = await runCheck(fake({ outcome: { ok: false, detail: 'thing not found' } }), true)
  assert.equal(missing.status, 'missing')
  assert.equal(missing.hint, 'install: apt-get install pkg (needed by compute (qemu driver))')
  const kernel = await runCheck(fake({ outcome: { ok: false, detail: 'no', fix: 'needs CONFIG_X' } }), true)
  assert.equal(kernel.hint, 'needs CONFIG_X (needed by compute (qemu driver))')
  const warn = await runCheck(fake({ optional: true, outcome: { ok: false, detail: 'slow', fix: 'use TCG' } }), true)
  assert.deepEqual([warn.status, warn.hint], ['warn', 'use TCG'])
  const skipped = await runCheck(fake({ needsRoot: true, check: async () => assert.fail('must not run') }), false)
  assert.deepEqual([skipped.status, skipped.detail], ['skipped', 'skipped (needs root)'])
  const thrown = await runCheck(fake({ check: async () => { throw new Error('boom') } }), true)
  assert.deepEqual([thrown.status, thrown.detail], ['missing', 'check failed: boom'])
})

const result = (status: CheckResult['status'], title: string, detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({
  id: title, title, requiredBy: 'load balancer', package: title, status, detail, ...extra,
})

test('formatReport aligns columns, puts hints under their row and ends with a summary', () => {
  const { lines, ok } = formatReport([
    result('ok', 'ip (iproute2)', '/usr/sbin/ip: iproute2-6.1.0'),
    result('missing', 'haproxy', 'haproxy not found', { hint: 'install: apt-get install haproxy (needed by load balancer)' }),
    result('warn', 'KVM', 'KVM present but unusable: x; the qemu driver will use TCG'),
    result('skipped', 'Linux bridge', 'skipped (needs root)', { requiredBy: 'network (linuxbridge agent)' }),
  ])
  assert.deepEqual(lines, [
    'STATUS   CHECK          DETAIL',
    'ok       ip (iproute2)  /usr/sbin/ip: iproute2-6.1.0',
    'missing  haproxy        haproxy not found',
    '                        install: apt-get install haproxy (needed by load balancer)',
    'warn     KVM            KVM present but unusable: x; the qemu driver will use TCG',
    'skipped  Linux bridge   skipped (needs root)',
    '',
    '1 ok, 1 warning, 1 missing, 1 skipped: not ready for load balancer',
    'to install what is missing: apt-get install -y --no-install-recommends haproxy',
  ])
  assert.equal(ok, false)
})

test('formatReport: warnings and skipped checks do not make the host unready', () => {
  const { lines, ok } = formatReport([result('ok', 'a', 'x'), result('warn', 'b', 'y'), result('skipped', 'c', 'z')])
  assert.equal(ok, true)
  assert.equal(lines.at(-1), '1 ok, 1 warning, 0 missing, 1 skipped: this host can run the real drivers')
})

test('runDoctor runs the given checks and prints the report', async () => {
  const printed: string[] = []
  const out = await runDoctor({
    print: (l) => printed.push(l), isRoot: false,
    checks: [fake({ id: 'a', title: 'a' }), fake({ id: 'b', title: 'b', needsRoot: true })],
  })
  assert.equal(out.ok, true)
  assert.deepEqual(out.checks.map((c) => c.status), ['ok', 'skipped'])
  assert.match(printed[0], /not running as root/)
  assert.ok(printed.some((l) => /^skipped\s+b\s+skipped \(needs root\)$/.test(l)))
})

test('real cheap checks: ip is found, and the namespace check leaves nothing behind', async (t) => {
  if (!(await commandExists('ip'))) return t.skip('no ip here')
  const byId = (id: string) => hostChecks.find((c) => c.id === id)!
  const ip = await runCheck(byId('ip'), false)
  assert.equal(ip.status, 'ok')
  assert.match(ip.detail, /iproute2/)
  if (process.getuid?.() !== 0) return
  const netns = await runCheck(byId('netns'), true)
  assert.equal(netns.status, 'ok', netns.detail)
  const { runCommand, findCommand } = await import('./run-command.ts')
  const list = await runCommand((await findCommand('ip'))!, ['netns', 'list'])
  assert.doesNotMatch(list.stdout, new RegExp(`nubis-doctor-${process.pid}-`))
})

test('missingPackages keeps the wanted order, drops installed, blanks and duplicates', () => {
  assert.deepEqual(missingPackages(new Set(['iproute2', 'haproxy']), ['qemu-utils', 'iproute2', ' haproxy ', '', 'ipset', 'qemu-utils']),
    ['qemu-utils', 'ipset'])
  assert.deepEqual(missingPackages(new Set(defaultHostPackages), defaultHostPackages), [])
  assert.deepEqual(missingPackages(new Set(), []), [])
})

test('isDebianLike reads ID and ID_LIKE from os-release', () => {
  assert.equal(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'), true)
  assert.equal(isDebianLike('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n'), true)
  assert.equal(isDebianLike('ID=ubuntu\n'), true)
  assert.equal(isDebianLike('ID="fedora"\nID_LIKE="rhel centos"\n'), false)
  assert.equal(isDebianLike('ID=debianish\n'), false)
  assert.equal(isDebianLike(undefined), false)
})

test('planHostPackages installs only as root on Debian with apt-get; otherwise advises', () => {
  const missing = ['haproxy', 'ipset']
  assert.deepEqual(planHostPackages({ missing: [], isRoot: true, debianLike: true, hasAptGet: true }), { action: 'none' })
  assert.deepEqual(planHostPackages({ missing, isRoot: true, debianLike: true, hasAptGet: true }), { action: 'install', packages: missing })
  assert.deepEqual(planHostPackages({ missing, isRoot: false, debianLike: true, hasAptGet: true }), {
    action: 'advise', packages: missing, reason: 'not running as root',
    command: 'sudo apt-get install -y --no-install-recommends haproxy ipset',
  })
  const fedora = planHostPackages({ missing, isRoot: true, debianLike: false, hasAptGet: false })
  assert.equal(fedora.action === 'advise' && fedora.reason, 'this host is not Debian or Ubuntu')
  const noApt = planHostPackages({ missing, isRoot: true, debianLike: true, hasAptGet: false })
  assert.equal(noApt.action === 'advise' && noApt.reason, 'apt-get is not available')
})

test('aptProgress keeps one line per package unpacked or set up', () => {
  assert.equal(aptProgress('Unpacking haproxy (2.6.12-1+deb12u1) ...'), 'unpacking haproxy')
  assert.equal(aptProgress('Setting up ipset (7.17-1) ...'), 'setting up ipset')
  assert.equal(aptProgress('Get:1 http://deb.debian.org/debian bookworm/main amd64 haproxy'), undefined)
  assert.equal(aptProgress('Preparing to unpack .../haproxy.deb ...'), undefined)
})

/** Fake host: `installed` packages, and a recorder for apt-get calls. */
function fakeHost(o: { installed: string[]; root: boolean; os?: string; aptOk?: boolean }) {
  const aptCalls: string[][] = []
  const logs: string[] = []
  const deps: Partial<HostPackageDeps> = {
    installedPackages: async (names) => new Set(names.filter((n) => o.installed.includes(n))),
    isRoot: () => o.root,
    readOsRelease: async () => o.os ?? 'ID=debian\n',
    hasAptGet: async () => true,
    aptGet: async (args, onLine) => {
      aptCalls.push(args)
      for (const p of args[0] === 'install' ? args.slice(5) : []) {
        onLine(`Unpacking ${p} (1.0) ...`)
        onLine(`Setting up ${p} (1.0) ...`)
      }
      return o.aptOk === false && args[0] === 'install' ? { ok: false, reason: 'exit code 100: E: boom' } : { ok: true, reason: '' }
    },
  }
  const log = createLogger({ level: 'debug', write: (l) => logs.push(l.replace(/^\S+ /, '')) })
  return { deps, aptCalls, logs, log }
}

test('ensureHostPackages: nothing missing logs one debug line and runs no apt', async () => {
  const h = fakeHost({ installed: [...defaultHostPackages, 'extra'], root: true })
  await ensureHostPackages({ log: h.log, packages: ['extra'], deps: h.deps })
  assert.deepEqual(h.aptCalls, [])
  assert.equal(h.logs.length, 1)
  assert.match(h.logs[0], /^DEBUG/)
})

test('ensureHostPackages: root on Debian updates, installs and logs progress', async () => {
  const h = fakeHost({ installed: defaultHostPackages.filter((p) => p !== 'haproxy'), root: true })
  await ensureHostPackages({ log: h.log, packages: ['qemu-block-extra'], deps: h.deps })
  assert.deepEqual(h.aptCalls, [
    ['update'],
    ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confold', 'haproxy', 'qemu-block-extra'],
  ])
  assert.equal(h.logs[0], 'INFO  installing missing host packages for the enabled drivers: haproxy qemu-block-extra')
  assert.ok(h.logs.includes('INFO  apt-get: unpacking haproxy'))
  assert.ok(h.logs.includes('INFO  apt-get: setting up qemu-block-extra'))
  assert.match(h.logs.at(-1)!, /^INFO {2}installed host packages/)
})

test('ensureHostPackages: a failed install is logged as an error and does not throw', async () => {
  const h = fakeHost({ installed: [], root: true, aptOk: false })
  await ensureHostPackages({ log: h.log, packages: [], deps: h.deps })
  assert.match(h.logs.at(-1)!, /^ERROR could not install host packages.*packages="qemu-system-x86 .*genisoimage" reason="exit code 100: E: boom"/)
})

test('ensureHostPackages: not root, or not Debian, only advises', async () => {
  for (const h of [fakeHost({ installed: [], root: false }), fakeHost({ installed: [], root: true, os: 'ID=fedora\n' })]) {
    await ensureHostPackages({ log: h.log, packages: [], deps: h.deps })
    assert.deepEqual(h.aptCalls, [])
    assert.equal(h.logs.length, 1)
    assert.match(h.logs[0], /^WARN {2}host packages for the enabled drivers are missing; install them with: (sudo )?apt-get install -y --no-install-recommends qemu-system-x86 /)
  }
})
