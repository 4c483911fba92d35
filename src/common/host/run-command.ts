/**
 * @module Runs host commands (ip, qemu-img, apt-get) without a shell, with a timeout that kills the
 * whole process group. The one place host processes start, so a privilege seam can go here later.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, join } from 'node:path'

export type RunOptions = {
  /** Default 30 s. On expiry the process group gets SIGKILL and `timedOut` is true. */
  timeoutMs?: number
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string
  /** Added to (not replacing) the current environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>
  /** Called for each complete output line as it arrives (for progress logging). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
}

export type RunResult = { code: number | null; stdout: string; stderr: string; timedOut: boolean }

export const defaultTimeoutMs = 30_000
const keepBytes = 1 << 20 // longer output keeps its last MiB

/**
 * Runs `cmd args` and resolves when it exits, whatever the exit code.
 * Rejects only when the process cannot be started (e.g. ENOENT).
 */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs
  const env = { ...process.env }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env,
      detached: true, // own process group, so a timeout kills the children too
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    const out = { stdout: '', stderr: '' }
    const partial = { stdout: '', stderr: '' }
    let timedOut = false
    let settled = false
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      out[stream] = (out[stream] + text).slice(-keepBytes)
      if (!opts.onLine) return
      const lines = (partial[stream] + text).split('\n')
      partial[stream] = lines.pop() ?? ''
      for (const line of lines) opts.onLine(line.replace(/\r$/, ''), stream)
    }
    child.stdout?.on('data', collect('stdout'))
    child.stderr?.on('data', collect('stderr'))
    const finish = (code: number | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(grace)
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) opts.onLine?.(partial[stream], stream)
      }
      resolve({ code, stdout: out.stdout, stderr: out.stderr, timedOut })
    }
    let grace: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
      // A grandchild that escaped the group could hold the pipes open; do not wait for it forever.
      grace = setTimeout(() => finish(child.exitCode), 2000)
    }, timeoutMs)
    child.on('error', (err) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(err)
    })
    child.on('close', (code) => finish(code))
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => {}) // the command may exit without reading its input
      child.stdin?.end(opts.input)
    }
  })
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Full path of an executable found in PATH, /usr/sbin or /sbin (non-root PATHs often lack sbin). */
export async function findCommand(name: string): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? name : undefined
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin']
  for (const dir of new Set(dirs)) {
    const path = join(dir, name)
    if (await isExecutable(path)) return path
  }
  return undefined
}

export async function commandExists(name: string): Promise<boolean> {
  return (await findCommand(name)) !== undefined
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
