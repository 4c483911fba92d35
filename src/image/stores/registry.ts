/**
 * @module Image store registry: name → factory, and the only file that imports store
 * implementations. The image service builds two stores from it: the backend (`<dataDir>/images`)
 * and the interoperable-import staging area (`<dataDir>/staging`, Glance's os_glance_staging_store,
 * which receives PUT /v2/images/{id}/stage and which image-import then copies into the backend).
 */
import { createFileStore } from './file/file-store.ts'
import { MemoryStore } from './fake/memory-store.ts'
import type { ImageStore } from './store.ts'

export type StoreConfig = {
  /** Directory for the file store; unused by the fake store. */
  root: string
}

export const imageStores = {
  file: (config: StoreConfig) => createFileStore(config.root),
  fake: async (_config: StoreConfig) => new MemoryStore(),
} satisfies Record<string, (config: StoreConfig) => Promise<ImageStore>>

export type ImageStoreName = keyof typeof imageStores
