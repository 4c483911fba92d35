/**
 * @module One build step on the host: run a command, and turn any failure into a TinyGuestError
 * that says which step failed and what the command printed.
 */
import { findCommand, runCommand, type RunOptions } from '../../common/host/run-command.ts'

/** The tiny guest (or a config drive) could not be built; the message says which step and why. */
export class TinyGuestError extends Error {}

/**
 * Runs `cmd args` (looked up in PATH and the sbin directories) and returns its stdout.
 * Throws TinyGuestError naming `step` when the command is missing, fails or times out.
 */
export async function runStep(step: string, cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const path = await findCommand(cmd)
  if (!path) throw new TinyGuestError(`${step}: command not found: ${cmd}`)
  const r = await runCommand(path, args, { timeoutMs: 120_000, ...opts })
  if (r.timedOut) throw new TinyGuestError(`${step}: ${cmd} timed out after ${(opts.timeoutMs ?? 120_000) / 1000} s`)
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join(' | ')
    throw new TinyGuestError(`${step}: ${cmd} ${args.join(' ')} exited with code ${r.code}${detail ? `: ${detail}` : ''}`)
  }
  return r.stdout
}
