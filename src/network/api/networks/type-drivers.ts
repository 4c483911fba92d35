/** The type drivers of a network service configuration, built once per configuration object. */
import type { NetworkConfig } from '../../config.ts'
import { createTypeDrivers, type TypeDrivers } from '../../ml2/types/registry.ts'

const built = new WeakMap<NetworkConfig, TypeDrivers>()

/** Throws ConfigError on the first use when the ML2 settings are wrong. */
export function typeDriversOf(config: NetworkConfig): TypeDrivers {
  let drivers = built.get(config)
  if (!drivers) {
    drivers = createTypeDrivers({ ...config.ml2, globalPhysnetMtu: config.globalPhysnetMtu })
    built.set(config, drivers)
  }
  return drivers
}
