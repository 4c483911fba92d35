import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CloudError } from '../../common/errors.ts'
import {
  GatewayConflictWithAllocationPools, InvalidAttribute, InvalidInput, IpAddressAlreadyAllocated,
  IpAddressGenerationFailure, IpNotInSubnet, SubnetAllocationError, SubnetPoolNotFound,
} from './errors.ts'

describe('IPAM errors', () => {
  const cases: Array<[CloudError, number, string, string]> = [
    [new InvalidInput('x'), 400, 'InvalidInput', 'Invalid input for operation: x.'],
    [new InvalidAttribute('cidr', "'10/24' is not a valid IP subnet"), 400, 'HTTPBadRequest',
      "Invalid input for cidr. Reason: '10/24' is not a valid IP subnet."],
    [new GatewayConflictWithAllocationPools('10.0.0.1', '10.0.0.1-10.0.0.5'), 409, 'GatewayConflictWithAllocationPools',
      'Gateway ip 10.0.0.1 conflicts with allocation pool 10.0.0.1-10.0.0.5.'],
    [new IpAddressAlreadyAllocated('10.0.0.5', 's1'), 409, 'IpAddressAlreadyAllocated',
      'IP address 10.0.0.5 already allocated in subnet s1'],
    [new IpAddressGenerationFailure({ networkId: 'n1' }), 409, 'IpAddressGenerationFailure',
      'No more IP addresses available on network n1.'],
    [new IpAddressGenerationFailure({ subnetId: 's1' }), 409, 'IpAddressGenerationFailure',
      'No more IP addresses available for subnet s1.'],
    [new IpNotInSubnet('10.1.0.1', 's1'), 400, 'InvalidIpForSubnet', 'IP address 10.1.0.1 does not belong to subnet s1'],
    [new SubnetPoolNotFound('p1'), 404, 'SubnetPoolNotFound', 'Subnet pool p1 could not be found.'],
    [new SubnetAllocationError('Insufficient prefix space to allocate subnet size /24'), 500, 'SubnetAllocationError',
      'Failed to allocate subnet: Insufficient prefix space to allocate subnet size /24.'],
  ]
  for (const [err, status, title, message] of cases) {
    it(title, () => {
      assert.ok(err instanceof CloudError)
      assert.deepEqual([err.status, err.title, err.message], [status, title, message])
    })
  }
})
