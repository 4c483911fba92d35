/** A scheduler filter: keeps the hosts an instance may land on (Nova's BaseHostFilter). */
import type { RequestSpec } from '../../model/instance.ts'
import type { HostState } from '../host-state.ts'

export type FilterContext = {
  spec: RequestSpec
  /** Hosts holding members of the instance's server group, with how many members each. */
  groupHosts: Map<string, number>
}

export type HostFilter = {
  name: string
  passes(host: HostState, ctx: FilterContext): boolean
}
