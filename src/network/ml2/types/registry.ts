/**
 * @module Type driver name → factory, and the set of drivers a configuration enables (Neutron's
 * TypeManager). The only file here that imports the implementations.
 */
import { ConfigError } from '../../../common/errors.ts'
import { FlatTypeDriver } from './flat/flat-driver.ts'
import { LocalTypeDriver } from './local/local-driver.ts'
import { parseTunnelRanges, parseVlanRanges, VNI_MAX, VNI_MIN } from './ranges.ts'
import type { TypeDriver } from './type-driver.ts'
import { VlanTypeDriver } from './vlan/vlan-driver.ts'
import { VxlanTypeDriver } from './vxlan/vxlan-driver.ts'

/** The configuration the type drivers read (the `network.ml2` section plus the physical MTU). */
export type TypeDriversConfig = {
  typeDrivers: readonly string[]
  tenantNetworkTypes: readonly string[]
  flatNetworks: readonly string[]
  networkVlanRanges: readonly string[]
  vniRanges: readonly string[]
  globalPhysnetMtu: number
}

export const typeDriverFactories = {
  local: () => new LocalTypeDriver(),
  flat: (c: TypeDriversConfig) => new FlatTypeDriver({ flatNetworks: c.flatNetworks, physnetMtu: c.globalPhysnetMtu }),
  vlan: (c: TypeDriversConfig) => new VlanTypeDriver({ ranges: parseVlanRanges(c.networkVlanRanges), physnetMtu: c.globalPhysnetMtu }),
  vxlan: (c: TypeDriversConfig) => new VxlanTypeDriver({ ranges: parseTunnelRanges(c.vniRanges, VNI_MIN, VNI_MAX, 'VXLAN'), physnetMtu: c.globalPhysnetMtu }),
} satisfies Record<string, (c: TypeDriversConfig) => TypeDriver>

export type TypeDrivers = {
  /** Enabled drivers by network type. */
  byType: ReadonlyMap<string, TypeDriver>
  /** Drivers tried, in order, for networks created without provider attributes. */
  tenant: readonly TypeDriver[]
  /** MTU of the physical networks, the MTU of a network whose segments set none. */
  physnetMtu: number
}

/** Builds the enabled drivers; throws ConfigError for unknown types or bad ranges. */
export function createTypeDrivers(config: TypeDriversConfig): TypeDrivers {
  const byType = new Map<string, TypeDriver>()
  for (const name of config.typeDrivers) {
    const factory = (typeDriverFactories as Record<string, (c: TypeDriversConfig) => TypeDriver>)[name]
    if (!factory) throw new ConfigError(`network.ml2.typeDrivers: unknown type driver '${name}' (known: ${Object.keys(typeDriverFactories).join(', ')})`)
    byType.set(name, factory(config))
  }
  const tenant = config.tenantNetworkTypes.map((name) => {
    const driver = byType.get(name)
    if (!driver) throw new ConfigError(`network.ml2.tenantNetworkTypes: '${name}' is not among network.ml2.typeDrivers`)
    return driver
  })
  return { byType, tenant, physnetMtu: config.globalPhysnetMtu }
}
