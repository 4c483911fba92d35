/**
 * @module The API extensions Nubis implements, as `GET /v2.0/extensions` lists them. Add an entry
 * only when its behaviour works end to end: clients (tempest, openstacksdk) decide what to use
 * from this list.
 */
export type Extension = { alias: string; name: string; description: string }

export const extensions: Extension[] = [
  // Security groups (src/network/api/security-groups/).
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not' },
  { alias: 'security-groups-normalized-cidr', name: 'Normalized CIDR field for security group rules', description: 'Add new field with normalized remote_ip_prefix cidr in SG rule' },
  { alias: 'security-groups-rules-belongs-to-default-sg', name: "Security group rule belongs to the project's default security group", description: "Flag to determine if the security group rule belongs to the project's default security group" },
  { alias: 'security-groups-default-rules', name: 'Default rules for security groups', description: 'Configure set of security group rules used as default rules for every new security group' },
]
