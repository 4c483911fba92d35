/**
 * @module Logging: one line per event, human words first, then key=value fields, so an operator
 * can read it and a machine can grep it. No global logger: each service gets one from the CLI.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line (e.g. the service name). */
  child(fields: LogFields): Logger
}

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type LoggerOptions = {
  level?: LogLevel
  write?: (line: string) => void
  fields?: LogFields
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message)
  if (typeof value === 'string') return /^[\w./:@+-]+$/.test(value) ? value : JSON.stringify(value)
  return JSON.stringify(value) ?? 'undefined'
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = levelRank[options.level ?? 'info']
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const base = options.fields ?? {}
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (levelRank[level] < min) return
    const all = { ...base, ...fields }
    const tail = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(' ')
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${tail ? ' ' + tail : ''}`)
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  }
}

/** A logger that drops everything; for tests that do not read logs. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} })
