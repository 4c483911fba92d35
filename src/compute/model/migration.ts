/**
 * @module A move of an instance between hosts as every compute process sees it (Nova's
 * Migration object): resize, cold migration, live migration and evacuation each record one,
 * and its uuid is the placement consumer holding the source host's resources while it runs.
 */
export type MigrationType = 'resize' | 'migration' | 'live-migration' | 'evacuation'

/**
 * Statuses, per type as in Nova:
 * resize / migration: pre-migrating → migrating → post-migrating → finished → confirming → confirmed,
 * or finished → reverting → reverted; error when it fails before finishing.
 * live-migration: accepted → queued → preparing → running → completed, or failed / error.
 * evacuation: accepted → pre-migrating → done → completed (the source cleaned up), or failed.
 */
export type Migration = {
  uuid: string
  instance_uuid: string
  migration_type: MigrationType
  status: string
  source_compute: string | null
  source_node: string | null
  dest_compute: string | null
  dest_node: string | null
  dest_host: string | null
  old_flavorid: string | null
  new_flavorid: string | null
  project_id: string
  user_id: string
  created_at: string
  updated_at: string
}

/** Statuses after which a migration holds nothing any more (an evacuation's 'done' still holds the source until its agent cleans up). */
export const MIGRATION_DONE = ['confirmed', 'reverted', 'completed', 'failed', 'error', 'cancelled'] as const
