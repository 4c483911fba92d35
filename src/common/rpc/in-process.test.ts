import { createInProcessTransport } from './in-process.ts'
import { transportContract } from './transport.contract.ts'

// One process is one bus: every transport the suite asks for is a view of the same one.
const bus = createInProcessTransport()
transportContract('in-process', { create: async () => ({ ...bus, close: async () => {} }), cleanup: () => bus.close() })
