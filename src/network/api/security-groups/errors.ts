/**
 * @module Neutron's security group exceptions (neutron/extensions/securitygroup.py and
 * security_groups_default_rules.py): class name as the error type, upstream wording.
 */
import { NeutronError } from '../../errors.ts'

/** Status of each security group exception by class name (InvalidInput → 400, InUse/Conflict → 409, NotFound → 404). */
const STATUS: Record<string, number> = {
  SecurityGroupInvalidPortRange: 400,
  SecurityGroupInvalidProtocolForPort: 400,
  SecurityGroupInvalidPortValue: 400,
  SecurityGroupInvalidIcmpValue: 400,
  SecurityGroupEthertypeConflictWithProtocol: 400,
  SecurityGroupMissingIcmpType: 400,
  SecurityGroupRuleInvalidProtocol: 400,
  SecurityGroupRulesNotSingleProject: 400,
  SecurityGroupMultipleRemoteEntites: 400,
  SecurityGroupProtocolRequiredWithPorts: 400,
  SecurityGroupNotSingleGroupRules: 400,
  SecurityGroupRuleParameterConflict: 400,
  SecurityGroupRuleInvalidEtherType: 400,
  InvalidCIDR: 400,
  InvalidInput: 400,
  SecurityGroupInUse: 409,
  SecurityGroupCannotRemoveDefault: 409,
  SecurityGroupCannotUpdateDefault: 409,
  SecurityGroupDefaultAlreadyExists: 409,
  DuplicateSecurityGroupRuleInPost: 409,
  SecurityGroupRuleExists: 409,
  SecurityGroupConflict: 409,
  DefaultSecurityGroupRuleExists: 409,
  DuplicateDefaultSgRuleInPost: 409,
  SecurityGroupNotFound: 404,
  SecurityGroupRuleNotFound: 404,
  DefaultSecurityGroupRuleNotFound: 404,
}

/** A security group exception by its Neutron class name. */
export function sgError(type: keyof typeof STATUS & string, message: string): NeutronError {
  return new NeutronError(STATUS[type] ?? 400, type, message)
}

export const securityGroupNotFound = (id: string) => sgError('SecurityGroupNotFound', `Security group ${id} does not exist`)
export const securityGroupRuleNotFound = (id: string) => sgError('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`)
export const defaultRuleNotFound = (id: string) => sgError('DefaultSecurityGroupRuleNotFound', `Default Security Group rule ${id} does not exist`)
export const securityGroupInUse = (id: string) => sgError('SecurityGroupInUse', `Security Group ${id} in use.`)
export const defaultAlreadyExists = () => sgError('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.')
export const invalidPortValue = (port: string) => sgError('SecurityGroupInvalidPortValue', `Invalid value for port ${port}`)

/** What Neutron's policy hook answers when the caller may not even see the resource. */
export const resourceNotFound = () => new NeutronError(404, 'HTTPNotFound', 'The resource could not be found.')
