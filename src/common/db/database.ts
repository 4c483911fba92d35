/**
 * @module Database connections: one URL picks the engine. `sqlite:` (embedded, the default),
 * `postgres://` and `mysql://` (MariaDB) all run the same Kysely queries and migrations.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type Dialect } from 'kysely'
import { createRequire } from 'node:module'
import { ConfigError } from '../errors.ts'
import { openSqlite } from './sqlite-adapter.ts'

export type DbEngine = 'sqlite' | 'postgres' | 'mysql'

export type Database<Schema> = {
  db: Kysely<Schema>
  engine: DbEngine
  close(): Promise<void>
}

// The drivers load only when their engine is used: each costs 10-15 MiB of memory.
const require = createRequire(import.meta.url)

function loadPg(): typeof import('pg') {
  const pg = require('pg') as typeof import('pg')
  // PostgreSQL returns BIGINT (count(*)) as strings by default; our counts fit in a double.
  pg.types.setTypeParser(20, (v: string) => Number(v))
  return pg
}

/** Opens a connection pool for `url`; `sqlite:///abs/path.db` or `sqlite::memory:` for SQLite. */
export function openDatabase<Schema>(url: string, opts: { onQuery?: (sql: string) => void } = {}): Database<Schema> {
  const { engine, dialect } = dialectFor(url)
  const onQuery = opts.onQuery
  const db = new Kysely<Schema>({
    dialect,
    log: onQuery ? (event) => { if (event.level === 'query') onQuery(event.query.sql) } : undefined,
  })
  return { db, engine, close: () => db.destroy() }
}

export function engineOf(url: string): DbEngine {
  if (url.startsWith('sqlite:')) return 'sqlite'
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres'
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql'
  throw new ConfigError(`unsupported database URL "${redact(url)}": use sqlite:, postgres:// or mysql://`)
}

function dialectFor(url: string): { engine: DbEngine; dialect: Dialect } {
  const engine = engineOf(url)
  if (engine === 'sqlite') {
    const path = url === 'sqlite::memory:' ? ':memory:' : url.replace(/^sqlite:(\/\/)?/, '')
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    return { engine, dialect: new SqliteDialect({ database: async () => openSqlite(path) }) }
  }
  if (engine === 'postgres') {
    const pool = new (loadPg().Pool)({ connectionString: url, max: 10 })
    // An idle connection the server ends (a restart, an administrator's terminate) is dropped
    // from the pool and the next query opens a new one; without a listener the event would
    // crash the process.
    pool.on('error', (err) => process.stderr.write(`database: an idle PostgreSQL connection was closed by the server (${err.message}); the next query reconnects\n`))
    return { engine, dialect: new PostgresDialect({ pool }) }
  }
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'))
  const { createPool } = require('mysql2') as typeof import('mysql2')
  const pool = createPool({
    host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password), database: u.pathname.slice(1), connectionLimit: 10,
    timezone: 'Z', supportBigNumbers: true,
  })
  return { engine, dialect: new MysqlDialect({ pool }) }
}

/** The URL with its password hidden, for logs and errors. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')
}
