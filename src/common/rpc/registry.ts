/**
 * @module The message bus a process uses, by its configured name; the only file here that
 * imports the implementations.
 */
import type { CommonConfig } from '../config/common-config.ts'
import type { Logger } from '../log/logger.ts'
import { createAmqpTransport } from './amqp.ts'
import { createInProcessTransport } from './in-process.ts'
import type { Transport } from './transport.ts'

const transports: Record<CommonConfig['messaging']['transport'], (m: CommonConfig['messaging'], log: Logger) => Promise<Transport>> = {
  'in-process': async () => createInProcessTransport(),
  amqp: (m, log) => createAmqpTransport({ url: m.url, prefix: m.exchange, log: log.child({ component: 'amqp' }) }),
}

export function createTransport(messaging: CommonConfig['messaging'], log: Logger): Promise<Transport> {
  return transports[messaging.transport](messaging, log)
}
