import type { CreateTableBuilder, Kysely, Migration } from 'kysely'
import { autoIdColumn } from '../../common/db/migrate.ts'

const uuid = 'varchar(36)'
const name = 'varchar(255)'
const time = 'varchar(32)'

/** Placement schema history; append new migrations, never edit an applied one. */
export const placementMigrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      const s = db.schema
      const auto = () => autoIdColumn(db)
      // Every table with a lifecycle carries created_at and updated_at (Last-Modified, microversion 1.15).
      const stamps = (t: CreateTableBuilder<any, any>) =>
        t.addColumn('created_at', time, (c) => c.notNull()).addColumn('updated_at', time, (c) => c.notNull())

      await stamps(s.createTable('resource_classes')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', name, (c) => c.notNull().unique()))
        .execute()
      await stamps(s.createTable('traits')
        .addColumn('id', auto().type, auto().build)
        .addColumn('name', name, (c) => c.notNull().unique()))
        .execute()
      await stamps(s.createTable('consumer_types')
        .addColumn('id', auto().type, auto().build)
        .addColumn('name', name, (c) => c.notNull().unique()))
        .execute()
      await s.createTable('placement_aggregates')
        .addColumn('id', auto().type, auto().build)
        .addColumn('uuid', uuid, (c) => c.notNull().unique())
        .execute()

      await stamps(s.createTable('resource_providers')
        .addColumn('id', auto().type, auto().build)
        .addColumn('uuid', uuid, (c) => c.notNull().unique())
        .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('root_provider_id', 'integer')
        .addColumn('parent_provider_id', 'integer', (c) => c.references('resource_providers.id')))
        .execute()
      await s.createIndex('resource_providers_root').on('resource_providers').column('root_provider_id').execute()
      await s.createIndex('resource_providers_parent').on('resource_providers').column('parent_provider_id').execute()

      await stamps(s.createTable('inventories')
        .addColumn('resource_provider_id', 'integer', (c) => c.notNull().references('resource_providers.id'))
        .addColumn('resource_class_id', 'integer', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('reserved', 'integer', (c) => c.notNull())
        .addColumn('min_unit', 'integer', (c) => c.notNull())
        .addColumn('max_unit', 'integer', (c) => c.notNull())
        .addColumn('step_size', 'integer', (c) => c.notNull())
        .addColumn('allocation_ratio', 'double precision', (c) => c.notNull())
        .addColumn('used', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('inventories_pk', ['resource_provider_id', 'resource_class_id']))
        .execute()
      await s.createIndex('inventories_class').on('inventories').column('resource_class_id').execute()

      await stamps(s.createTable('consumers')
        .addColumn('uuid', uuid, (c) => c.primaryKey())
        .addColumn('project_id', name, (c) => c.notNull())
        .addColumn('user_id', name, (c) => c.notNull())
        .addColumn('consumer_type_id', 'integer', (c) => c.references('consumer_types.id'))
        .addColumn('generation', 'integer', (c) => c.notNull()))
        .execute()
      await s.createIndex('consumers_project_user').on('consumers').columns(['project_id', 'user_id']).execute()

      await stamps(s.createTable('allocations')
        .addColumn('consumer_id', uuid, (c) => c.notNull())
        .addColumn('resource_provider_id', 'integer', (c) => c.notNull().references('resource_providers.id'))
        .addColumn('resource_class_id', 'integer', (c) => c.notNull())
        .addColumn('used', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('allocations_pk', ['consumer_id', 'resource_provider_id', 'resource_class_id']))
        .execute()
      await s.createIndex('allocations_provider_class').on('allocations').columns(['resource_provider_id', 'resource_class_id']).execute()

      await s.createTable('resource_provider_aggregates')
        .addColumn('resource_provider_id', 'integer', (c) => c.notNull().references('resource_providers.id'))
        .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('placement_aggregates.id'))
        .addPrimaryKeyConstraint('resource_provider_aggregates_pk', ['resource_provider_id', 'aggregate_id'])
        .execute()
      await s.createIndex('resource_provider_aggregates_aggregate').on('resource_provider_aggregates').column('aggregate_id').execute()

      await s.createTable('resource_provider_traits')
        .addColumn('resource_provider_id', 'integer', (c) => c.notNull().references('resource_providers.id'))
        .addColumn('trait_id', 'integer', (c) => c.notNull().references('traits.id'))
        .addPrimaryKeyConstraint('resource_provider_traits_pk', ['resource_provider_id', 'trait_id'])
        .execute()
      await s.createIndex('resource_provider_traits_trait').on('resource_provider_traits').column('trait_id').execute()
    },
  },
  '0002_change_counter': {
    // Moved by every placement write once it has committed: a process that keeps the providers in
    // memory (db/candidate-index.ts) reads it to learn whether another process wrote meanwhile.
    async up(db: Kysely<any>) {
      await db.schema.createTable('change_counter')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute()
      await db.insertInto('change_counter').values({ id: 1, version: 0 }).execute()
    },
  },
}
