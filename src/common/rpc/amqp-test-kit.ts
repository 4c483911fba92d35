/**
 * @module For tests on a real RabbitMQ: a prefix of their own for exchanges and queues, and a
 * sweep that deletes everything under it afterwards, so the broker is left as it was found.
 * Where the broker is unreachable the tests skip with the reason, except under CI=true, where
 * the machine runs RabbitMQ and that fails.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { connect } from 'amqplib'
import { amqpNames } from './amqp.ts'

export const testAmqpUrl = process.env.NUBIS_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/'

export type ScratchBus = {
  url: string
  prefix: string
  /** Deletes the queues and exchanges of these topics and, where rabbitmqctl runs here, every other one under the prefix. */
  drop(topics?: Iterable<string>): Promise<void>
}

export async function scratchBus(): Promise<ScratchBus | { skip: string }> {
  const prefix = `nubis-test-${randomBytes(4).toString('hex')}`
  try {
    const probe = await connect(testAmqpUrl, { timeout: 3000 })
    await probe.close()
  } catch (err) {
    const reason = `RabbitMQ unreachable at ${new URL(testAmqpUrl).host} (${(err as Error).message || String(err)})`
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI the AMQP transport must be tested`, { cause: err })
    return { skip: reason }
  }
  return { url: testAmqpUrl, prefix, drop: (topics) => dropUnder(prefix, topics ?? []) }
}

async function brokerList(what: 'list_queues' | 'list_exchanges'): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', '--no-table-headers', what, 'name'], { timeout: 30_000 })
    return stdout.split('\n').map((l) => l.trim()).filter(Boolean)
  } catch {
    return []
  }
}

async function dropUnder(prefix: string, topics: Iterable<string>): Promise<void> {
  const names = amqpNames(prefix)
  const queues = new Set([...topics].map(names.queue))
  const exchanges = new Set([names.exchange, ...[...topics].map(names.fanoutExchange)])
  const [listedQueues, listedExchanges] = await Promise.all([brokerList('list_queues'), brokerList('list_exchanges')])
  for (const q of listedQueues) if (q.startsWith(`${prefix}.`)) queues.add(q)
  for (const e of listedExchanges) if (e === prefix || e.startsWith(`${prefix}.`)) exchanges.add(e)
  const conn = await connect(testAmqpUrl)
  try {
    const ch = await conn.createChannel()
    for (const q of queues) await ch.deleteQueue(q)
    for (const e of exchanges) await ch.deleteExchange(e)
    await ch.close()
  } finally {
    await conn.close()
  }
}
