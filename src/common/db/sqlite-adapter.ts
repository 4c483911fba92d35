import { DatabaseSync, type StatementSync } from 'node:sqlite'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

type Bindable = null | number | bigint | string | Uint8Array

/** node:sqlite binds only null, numbers, strings and bytes; map the rest the way our schema stores them. */
function bind(params: ReadonlyArray<unknown>): Bindable[] {
  return params.map((p) => {
    if (p === undefined || p === null) return null
    if (typeof p === 'boolean') return p ? 1 : 0
    if (p instanceof Date) return p.toISOString()
    return p as Bindable
  })
}

/** Presents node:sqlite's DatabaseSync with the interface Kysely's SqliteDialect expects. */
export function openSqlite(path: string): SqliteDatabase {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA foreign_keys = ON')
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let cached = statements.get(sql)
      if (cached) return cached
      const stmt: StatementSync = db.prepare(sql)
      cached = {
        reader: stmt.columns().length > 0,
        all: (params) => stmt.all(...bind(params)),
        run: (params) => {
          const r = stmt.run(...bind(params))
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid }
        },
        iterate: (params) => stmt.iterate(...bind(params)) as IterableIterator<unknown>,
      }
      if (statements.size < 500) statements.set(sql, cached)
      return cached
    },
  }
}
