/** Virt drivers by name; the only file under virt/ that imports implementations. */
import type { ComputeConfig } from '../config.ts'
import type { VirtDriver } from './driver.ts'
import { FakeDriver, FakeWorld, sharedFakeWorld } from './fake/fake-driver.ts'

export const virtDrivers: Record<string, (config: ComputeConfig['agent'], host: string) => VirtDriver> = {
  fake: (c, host) => new FakeDriver({
    vcpus: c.vcpus, memoryMb: c.memoryMb, diskGb: c.diskGb, delayMs: c.fakeDelayMs, hostname: c.nodeName || host,
    world: c.fakeWorldDir ? new FakeWorld({ dir: c.fakeWorldDir }) : sharedFakeWorld,
  }),
}
