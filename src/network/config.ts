import type { JsonSchema } from '../common/config/load-config.ts'

/** The `network:` section of the configuration file (Neutron's server, ML2 and quota options). */
export type NetworkConfig = {
  port: number
  maxRequestBodyBytes: number
  /** MAC prefix of new ports; non-zero octets are kept (Neutron's base_mac). */
  baseMac: string
  /** MTU of the physical networks; tenant networks subtract their encapsulation overhead. */
  globalPhysnetMtu: number
  defaultAvailabilityZone: string
  /** Seconds without a heartbeat after which an agent is shown as not alive. */
  agentDownTimeSec: number
  ipv6PdEnabled: boolean
  /** Telling compute about port changes (Neutron's [DEFAULT] notify_nova_on_port_data_changes and send_events_interval). */
  nova: { notifyPortDataChanges: boolean; sendEventsIntervalMs: number }
  ml2: {
    typeDrivers: string[]
    tenantNetworkTypes: string[]
    mechanismDrivers: string[]
    /** Physical networks flat networks may use; '*' allows any. */
    flatNetworks: string[]
    /** `physnet` or `physnet:min:max` entries, as Neutron's network_vlan_ranges. */
    networkVlanRanges: string[]
    /** `min:max` VXLAN id ranges for tenant networks. */
    vniRanges: string[]
  }
  quotas: {
    network: number
    subnet: number
    port: number
    router: number
    floatingip: number
    securityGroup: number
    securityGroupRule: number
    subnetpool: number
  }
}

const int = (d: number, description: string, minimum = 0): JsonSchema => ({ type: 'integer', default: d, minimum, description })
const quota = (d: number, what: string): JsonSchema => ({ type: 'integer', default: d, minimum: -1, description: `Default ${what} per project; -1 is unlimited.` })
const strings = (d: string[], description: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, default: d, description })

export const networkConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: int(9696, 'Port of the Network API (Neutron uses 9696).'),
    maxRequestBodyBytes: int(114688, 'Largest request body accepted.', 1024),
    baseMac: { type: 'string', default: 'fa:16:3e:00:00:00', pattern: '^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$', description: 'MAC prefix of new ports.' },
    globalPhysnetMtu: int(1500, 'MTU of the underlying physical networks.', 68),
    defaultAvailabilityZone: { type: 'string', default: 'nova', description: 'Availability zone of agents that report none.' },
    agentDownTimeSec: int(75, 'Seconds without a heartbeat before an agent counts as down.', 1),
    ipv6PdEnabled: { type: 'boolean', default: false, description: 'IPv6 prefix delegation for subnets without a CIDR.' },
    nova: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        notifyPortDataChanges: {
          type: 'boolean', default: true,
          description: "Tell compute when a server's port gets or loses a floating IP or is deleted, so the server shows it.",
        },
        sendEventsIntervalMs: int(2000, 'Milliseconds port events are gathered before they are sent to compute in one request.', 1),
      },
    },
    ml2: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        typeDrivers: strings(['local', 'flat', 'vlan', 'vxlan'], 'Network types this cloud offers.'),
        tenantNetworkTypes: strings(['vxlan', 'local'], 'Types given, in order, to networks created without provider attributes.'),
        mechanismDrivers: strings(['linuxbridge'], 'Drivers that bind ports on hosts, tried in order.'),
        flatNetworks: strings(['*'], "Physical networks flat networks may use ('*': any)."),
        networkVlanRanges: strings(['physnet1:1000:1999'], 'VLAN ranges: physnet or physnet:min:max.'),
        vniRanges: strings(['1:65535'], 'VXLAN id ranges for tenant networks, min:max.'),
      },
    },
    quotas: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        network: quota(100, 'networks'),
        subnet: quota(100, 'subnets'),
        port: quota(500, 'ports'),
        router: quota(10, 'routers'),
        floatingip: quota(50, 'floating IPs'),
        securityGroup: quota(10, 'security groups'),
        securityGroupRule: quota(100, 'security group rules'),
        subnetpool: quota(-1, 'subnet pools'),
      },
    },
  },
}
