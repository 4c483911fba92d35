/**
 * @module Every runnable Nubis process and every catalog entry, on one screen. The CLI merges
 * each service's map; a service not built yet is listed in the catalog so clients find its port.
 */
import type { CommonConfig } from '../common/config/common-config.ts'
import type { CatalogEndpoint, StartService } from '../common/service.ts'
import { identityConfigSchema } from '../identity/config.ts'
import { identityCatalogEntry, identityServices, type IdentitySections } from '../identity/services.ts'
import { imageConfigSchema } from '../image/config.ts'
import { imageCatalogEntry, imageServices, type ImageSections } from '../image/services.ts'
import type { JsonSchema } from '../common/config/load-config.ts'
import { networkConfigSchema } from '../network/config.ts'
import { networkCatalogEntry, networkServices, type NetworkSections } from '../network/services.ts'
import { computeConfigSchema } from '../compute/config.ts'
import { computeCatalogEntry, computeServices, type ComputeSections } from '../compute/services.ts'
import { placementConfigSchema } from '../placement/config.ts'
import { placementCatalogEntry, placementServices, type PlacementSections } from '../placement/services.ts'

export type NubisConfig = CommonConfig & IdentitySections & ImageSections & NetworkSections & PlacementSections & ComputeSections

/** Runnable processes by name: `nubis run identity`. */
export const services: Record<string, StartService<any>> = {
  ...identityServices,
  ...imageServices,
  ...networkServices,
  ...placementServices,
  ...computeServices,
}

/** What `nubis up` runs, in start order: compute calls image, network and placement. */
export const allInOne = ['identity', 'image', 'network', 'placement', 'compute']

/** Config sections, one per service, validated at start-up. */
export const configSections: Record<string, JsonSchema> = {
  identity: identityConfigSchema,
  image: imageConfigSchema,
  network: networkConfigSchema,
  placement: placementConfigSchema,
  compute: computeConfigSchema,
}

/**
 * Catalog published at bootstrap: every OpenStack service Nubis runs, at its usual port. Only
 * those: clients take the catalog at its word (`openstack quota show` asks every quota service
 * listed and fails on one that does not answer), so block storage joins when it exists.
 */
export function catalogEntries(config: NubisConfig): CatalogEndpoint[] {
  return [
    identityCatalogEntry(config),
    computeCatalogEntry(config),
    imageCatalogEntry(config),
    networkCatalogEntry(config),
    placementCatalogEntry(config),
  ]
}
