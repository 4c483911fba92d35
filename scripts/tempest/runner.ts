/**
 * @module Runs `tempest run` in the workspace and turns stestr's trace output into one line per
 * test (`ok|FAIL|skip <id>`). Tests of a class whose setUpClass failed or skipped get no line of
 * their own from stestr; they are counted with their class's outcome.
 */
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Selection } from './selection.ts'

export type Outcome = 'ok' | 'FAIL' | 'skip'
export type Results = { outcomes: Map<string, Outcome>; reasons: Map<string, string>; exitCode: number | null }

const selectionArgs = (sel: Selection, includeFile?: string): string[] =>
  'regex' in sel ? ['--regex', sel.regex] : ['--include-list', includeFile!]

/** The ids (without `[attrs]`) `tempest run` would run. */
export async function listTests(workspace: string, sel: Selection, includeFile?: string): Promise<string[]> {
  const out: string[] = []
  const err: string[] = []
  // The stestr repository keeps the results (`stestr last`); listing with an include-list needs it.
  if (!existsSync(join(workspace, '.stestr'))) {
    const init = await run('stestr', workspace, ['init'], (l) => out.push(l), (l) => err.push(l))
    if (init !== 0) throw new Error(`stestr init failed (exit ${init}):\n${err.join('\n')}`)
  }
  const code = await runTempest(workspace, ['run', '--config-file', 'etc/tempest.conf', '--list-tests', ...selectionArgs(sel, includeFile)],
    (line) => out.push(line), (line) => err.push(line))
  if (code !== 0) throw new Error(`tempest run --list-tests failed (exit ${code}):\n${err.join('\n')}\n${out.join('\n')}`)
  return out.map((l) => l.trim()).filter((l) => /^tempest\.\S+$/.test(l)).map(stripAttrs)
}

export async function runTests(
  workspace: string, sel: Selection, includeFile: string | undefined, concurrency: number, selected: string[],
  print: (line: string) => void,
): Promise<Results> {
  const outcomes = new Map<string, Outcome>()
  const reasons = new Map<string, string>()
  const output = createWriteStream(join(workspace, 'tempest-output.txt'))
  // `{worker} <id> [1.23s] ... ok|FAILED` and `{worker} <id> ... SKIPPED: reason`
  const result = /^\{\d+\} (\S+(?: \([^)]*\))?)(?: \[[^\]]*\])? \.\.\. (ok|FAILED|SKIPPED|xfail|uxsuccess|fail|success|skip)(?::? ?(.*))?$/
  const onLine = (raw: string) => {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    output.write(line + '\n')
    const m = result.exec(line)
    if (!m) return
    const id = m[1]
    const outcome: Outcome = /^(ok|success|xfail)$/.test(m[2]) ? 'ok' : /^(SKIPPED|skip)$/.test(m[2]) ? 'skip' : 'FAIL'
    outcomes.set(id, outcome)
    if (m[3]) reasons.set(id, m[3])
    const fixture = /^setUpClass \((.*)\)$/.exec(id)
    if (!fixture) return print(progress(outcome, id, outcome === 'skip' ? m[3] : undefined))
    // A class that failed or skipped in setUpClass: one line for each of its selected tests.
    const tests = selected.filter((t) => t.startsWith(fixture[1] + '.') && !outcomes.has(t))
    for (const t of tests.length ? tests : [id]) {
      print(progress(outcome, t, outcome === 'skip' ? m[3] : `setUpClass of ${fixture[1].split('.').at(-1)} failed`))
    }
  }
  const exitCode = await runTempest(workspace, [
    'run', '--config-file', 'etc/tempest.conf', '--concurrency', String(concurrency), ...selectionArgs(sel, includeFile),
  ], onLine, (line) => output.write(line + '\n'))
  await new Promise((ok) => output.end(ok))
  return { outcomes, reasons, exitCode }
}

const progress = (o: Outcome, id: string, note?: string) =>
  `${o === 'ok' ? 'ok  ' : o === 'skip' ? 'skip' : 'FAIL'} ${id}${note ? `  (${note})` : ''}`

let current: ReturnType<typeof spawn> | undefined

/** Stops a running tempest (on Ctrl-C of the harness). */
export function killTempest(): void {
  current?.kill('SIGTERM')
}

function runTempest(cwd: string, args: string[], onOut: (l: string) => void, onErr: (l: string) => void): Promise<number | null> {
  return run('tempest', cwd, args, onOut, onErr)
}

function run(cmd: string, cwd: string, args: string[], onOut: (l: string) => void, onErr: (l: string) => void): Promise<number | null> {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } })
  current = child
  createInterface({ input: child.stdout! }).on('line', onOut)
  createInterface({ input: child.stderr! }).on('line', onErr)
  return new Promise((ok, fail) => {
    child.once('error', fail)
    child.once('close', (code) => {
      current = undefined
      ok(code)
    })
  })
}

export const stripAttrs = (id: string): string => id.replace(/\[[^\]]*\]/, '')

export type Summary = { passed: string[]; failed: string[]; skipped: string[]; notes: Map<string, string> }

/**
 * One outcome per selected test. A test with no line of its own takes its class's
 * `setUpClass (<class>)` outcome; with none either, it did not run and counts as failed.
 * Class-level failures after the tests (tearDownClass) are added as failures of their own.
 */
export function summarize(selected: string[], r: Results): Summary {
  const s: Summary = { passed: [], failed: [], skipped: [], notes: new Map() }
  const bucket = { ok: s.passed, FAIL: s.failed, skip: s.skipped }
  const selectedSet = new Set(selected)
  for (const id of selected) {
    const own = r.outcomes.get(id)
    if (own) {
      bucket[own].push(id)
      continue
    }
    const cls = id.slice(0, id.lastIndexOf('.'))
    const fixture = r.outcomes.get(`setUpClass (${cls})`)
    if (fixture === 'skip') {
      s.skipped.push(id)
    } else {
      s.failed.push(id)
      s.notes.set(id, fixture === 'FAIL' ? `setUpClass of ${cls.split('.').at(-1)} failed` : 'did not run')
    }
  }
  for (const [id, outcome] of r.outcomes) {
    if (selectedSet.has(id) || id.startsWith('setUpClass (')) continue
    if (outcome === 'FAIL') s.failed.push(id)
    else if (!id.includes(' (')) bucket[outcome].push(id) // a test the listing missed
  }
  return s
}
