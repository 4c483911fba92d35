/** Running Nubis as a separate process for a benchmark: free ports, start until it answers, stop. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

const node = process.execPath

/** Starts `nubis <args>` and resolves once `readyUrl` answers 200 (30 s at most). */
export async function startNubis(args: string[], env: NodeJS.ProcessEnv, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(node, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(readyUrl)).status === 200) return child
    } catch {
      // not listening yet
    }
    await sleep(10)
  }
  child.kill('SIGKILL')
  throw new Error(`nubis ${args.join(' ')} did not answer at ${readyUrl} within 30 s`)
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const say = (m: string) => process.stderr.write(`bench: ${m}\n`)

/** Runs a one-shot `nubis <args>` (e.g. `identity bootstrap`) to its end. */
export function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(node, ['--disable-warning=ExperimentalWarning', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nubis ${args.join(' ')} exited with ${code}`)))))
}

/** A project-scoped token for the bootstrap admin. */
export async function adminToken(identityUrl: string, password: string): Promise<string> {
  const res = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  })
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  return res.headers.get('x-subject-token')!
}
