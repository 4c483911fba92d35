/** Mechanism drivers by the name config.ml2.mechanismDrivers uses; the only file here that imports implementations. */
import { ConfigError } from '../../../common/errors.ts'
import type { MechanismDriver } from './driver.ts'
import { LinuxbridgeDriver } from './linuxbridge/linuxbridge-driver.ts'
import { OpenvswitchDriver } from './openvswitch/openvswitch-driver.ts'

export const mechanismDrivers = {
  linuxbridge: () => new LinuxbridgeDriver(),
  openvswitch: () => new OpenvswitchDriver(),
} satisfies Record<string, () => MechanismDriver>

export type MechanismDriverName = keyof typeof mechanismDrivers

/** The configured drivers in order; an unknown name is a configuration error. */
export function loadMechanismDrivers(names: readonly string[]): MechanismDriver[] {
  return names.map((name) => {
    const make = (mechanismDrivers as Record<string, () => MechanismDriver>)[name]
    if (!make) throw new ConfigError(`unknown mechanism driver "${name}" in network.ml2.mechanismDrivers (known: ${Object.keys(mechanismDrivers).join(', ')})`)
    return make()
  })
}
