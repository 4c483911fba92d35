/** Makes sure Debian's tempest is on this host, installing it with apt-get when we may. */
import { existsSync, readFileSync } from 'node:fs'
import { commandExists, runCommand } from '../../src/common/host/run-command.ts'

export async function ensureTempest(say: (line: string) => void): Promise<void> {
  if (await commandExists('tempest')) return
  const debian = existsSync('/etc/os-release') && /^(ID|ID_LIKE)=.*(debian|ubuntu)/m.test(readFileSync('/etc/os-release', 'utf8'))
  if (process.getuid?.() !== 0 || !debian || !(await commandExists('apt-get'))) {
    throw new Error('tempest is not installed; install Debian\'s package: sudo apt-get install tempest')
  }
  say('tempest is missing: installing Debian\'s tempest package with apt-get (a few minutes) ...')
  const env = { DEBIAN_FRONTEND: 'noninteractive' }
  const progress = (line: string) => { if (/^(Setting up|Unpacking) /.test(line)) say(`  ${line}`) }
  const update = await runCommand('apt-get', ['update'], { timeoutMs: 600_000, env })
  if (update.code !== 0) throw new Error(`apt-get update failed: ${update.stderr.trim().split('\n').at(-1)}`)
  const install = await runCommand('apt-get', ['install', '-y', '--no-install-recommends', 'tempest'], { timeoutMs: 1_200_000, env, onLine: progress })
  if (install.code !== 0) throw new Error(`apt-get install tempest failed: ${install.stderr.trim().split('\n').at(-1)}`)
  say('tempest installed')
}
