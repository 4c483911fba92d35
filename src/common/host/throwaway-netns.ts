/** A uniquely named network namespace that exists only while a probe runs; removed even on failure. */
import { randomBytes } from 'node:crypto'
import { findCommand, runCommand } from './run-command.ts'

export class HostProbeError extends Error {}

/** Runs `ip args...` and throws HostProbeError with ip's own message when it fails. */
export async function ip(args: string[], timeoutMs = 5000): Promise<string> {
  const bin = await findCommand('ip')
  if (!bin) throw new HostProbeError('ip (iproute2) not found')
  const r = await runCommand(bin, args, { timeoutMs })
  if (r.timedOut) throw new HostProbeError(`ip ${args.join(' ')} timed out`)
  if (r.code !== 0) throw new HostProbeError((r.stderr || r.stdout).trim().split('\n')[0] || `ip exited with ${r.code}`)
  return r.stdout
}

/** Creates a namespace, runs `fn` with its name, then deletes it (and every link inside it). */
export async function withThrowawayNetns<T>(fn: (ns: string) => Promise<T>): Promise<T> {
  const ns = `nubis-doctor-${process.pid}-${randomBytes(3).toString('hex')}`
  await ip(['netns', 'add', ns])
  try {
    return await fn(ns)
  } finally {
    await ip(['netns', 'delete', ns]).catch(() => ip(['netns', 'delete', ns]).catch(() => {}))
  }
}
