/**
 * @module Throwaway databases on the local PostgreSQL and MariaDB servers. Where a server is
 * unreachable the tests using it skip with a reason, except under CI=true where that fails.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createConnection } from 'mysql2/promise'

export type Engine = 'sqlite' | 'postgres' | 'mysql'

export const pgAdminUrl = process.env.NUBIS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const mysqlAdminUrl = process.env.NUBIS_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'

export type ScratchDb = { url: string; drop(): Promise<void> }

/** Creates an empty database; returns undefined (and why) when the server is unreachable. */
export async function scratchDatabase(engine: Engine): Promise<ScratchDb | { skip: string }> {
  const name = `nubis_test_${randomBytes(6).toString('hex')}`
  try {
    if (engine === 'sqlite') return { url: 'sqlite::memory:', drop: async () => {} }
    if (engine === 'postgres') {
      const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 })
      await admin.connect()
      await admin.query(`CREATE DATABASE ${name}`)
      await admin.end()
      const url = new URL(pgAdminUrl)
      url.pathname = `/${name}`
      return {
        url: url.toString(),
        async drop() {
          const c = new pg.Client({ connectionString: pgAdminUrl })
          await c.connect()
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
          await c.end()
        },
      }
    }
    const u = new URL(mysqlAdminUrl)
    const conn = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username, password: u.password, connectTimeout: 3000 })
    await conn.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
    await conn.end()
    u.pathname = `/${name}`
    return {
      url: u.toString(),
      async drop() {
        const c = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username, password: u.password })
        await c.query(`DROP DATABASE IF EXISTS ${name}`)
        await c.end()
      },
    }
  } catch (err) {
    const reason = `${engine} server unreachable (${(err as Error).message})`
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI every database engine must be tested`, { cause: err })
    return { skip: reason }
  }
}
