import type { HostFilter } from './filter.ts'

/** Only hosts in the requested availability zone. */
export const availabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  passes: (h, { spec }) => !spec.availability_zone || h.availabilityZone === spec.availability_zone,
}
