/** @module Key pairs in the database: each belongs to one user and is unique by name for that user. */
import type { Kysely, Transaction } from 'kysely'
import type { ComputeDb, KeypairRow } from './schema.ts'

type Db = Kysely<ComputeDb> | Transaction<ComputeDb>

export type Keypair = Omit<KeypairRow, 'id'> & { id: number }

/** The user's key pair of that name (server create turns key_name into its public key). */
export async function findKeypair(db: Db, userId: string, name: string): Promise<Keypair | undefined> {
  const row = await db.selectFrom('keypairs').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst()
  return row ? { ...row, id: Number(row.id) } : undefined
}
