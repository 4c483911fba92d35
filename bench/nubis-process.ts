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
