/**
 * @module A throwaway Nubis cloud for one tempest run: `nubis up` as a child process with a fresh
 * data dir, a free identity port, a known admin password and the security compliance settings
 * tempest's identity tests assume.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** Keystone-side settings that must match the [identity] section written to tempest.conf. */
export const SECURITY_COMPLIANCE = {
  lockoutFailureAttempts: 2,
  lockoutDurationSec: 5,
  uniqueLastPasswordCount: 2,
  minimumPasswordAgeDays: 0,
}

export type StartedCloud = {
  url: string
  adminPassword: string
  dataDir: string
  logFile: string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok))
  const { port } = server.address() as { port: number }
  await new Promise((ok) => server.close(ok))
  return port
}

export async function startCloud(o: { repoRoot: string; dataDir: string; logFile: string; timeoutMs?: number }): Promise<StartedCloud> {
  const port = await freePort()
  const adminPassword = `tempest-admin-${process.pid}`
  rmSync(o.dataDir, { recursive: true, force: true })
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
  // A fresh cloud: no inherited NUBIS_ settings (config file, shared database) may leak in.
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('NUBIS_')))
  // Compute starts last (it calls image, network and placement): the cloud is up when it answers.
  const computePort = await freePort()
  Object.assign(env, {
    NUBIS_DATA_DIR: o.dataDir,
    NUBIS_INSTALL_PACKAGES: 'false',
    NUBIS_BIND_HOST: '127.0.0.1',
    NUBIS_IDENTITY__PORT: String(port),
    // Every other API on a free port too, so a cloud already running on the usual ports is no obstacle.
    NUBIS_IMAGE__PORT: String(await freePort()),
    NUBIS_NETWORK__PORT: String(await freePort()),
    NUBIS_PLACEMENT__PORT: String(await freePort()),
    NUBIS_COMPUTE__PORT: String(computePort),
    // Two fake compute hosts in the one process (DevStack's NUMBER_FAKE_NOVA_COMPUTE), so the
    // migration and multi-node tests run; resizes may still stay on their host, as DevStack allows.
    NUBIS_COMPUTE__AGENT__FAKE_HOST_COUNT: '2',
    NUBIS_COMPUTE__ALLOW_RESIZE_TO_SAME_HOST: 'true',
    NUBIS_IDENTITY__BOOTSTRAP__ADMIN_PASSWORD: adminPassword,
    NUBIS_IDENTITY__SECURITY_COMPLIANCE__LOCKOUT_FAILURE_ATTEMPTS: String(SECURITY_COMPLIANCE.lockoutFailureAttempts),
    NUBIS_IDENTITY__SECURITY_COMPLIANCE__LOCKOUT_DURATION_SEC: String(SECURITY_COMPLIANCE.lockoutDurationSec),
    NUBIS_IDENTITY__SECURITY_COMPLIANCE__UNIQUE_LAST_PASSWORD_COUNT: String(SECURITY_COMPLIANCE.uniqueLastPasswordCount),
    NUBIS_IDENTITY__SECURITY_COMPLIANCE__MINIMUM_PASSWORD_AGE_DAYS: String(SECURITY_COMPLIANCE.minimumPasswordAgeDays),
  })
  const log = openSync(o.logFile, 'w')
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', 'up'], {
    cwd: o.repoRoot, env, stdio: ['ignore', log, log],
  })
  closeSync(log)
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)))
  const url = `http://127.0.0.1:${port}/v3`
  const cloud: StartedCloud = {
    url, adminPassword, dataDir: o.dataDir, logFile: o.logFile,
    stop: () => stopChild(child, exited),
  }
  const deadline = Date.now() + (o.timeoutMs ?? 30_000)
  let early: number | null | undefined
  void exited.then((code) => { early = code })
  while (Date.now() < deadline && early === undefined) {
    if (await answers(url) && await answers(`http://127.0.0.1:${computePort}/`)) return cloud
    await sleep(200)
  }
  await cloud.stop()
  rmSync(o.dataDir, { recursive: true, force: true })
  const why = early !== undefined ? `exited with code ${early}` : `did not answer GET ${url} within ${(o.timeoutMs ?? 30_000) / 1000} s`
  throw new Error(`the cloud ${why}; its log (${o.logFile}):\n${readFileSync(o.logFile, 'utf8')}`)
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}

/** SIGTERM, then SIGKILL after 10 s. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

export const cloudPaths = (repoRoot: string, pid: number) => ({
  dataDir: join(repoRoot, '.tempest', `cloud-${pid}`),
})
