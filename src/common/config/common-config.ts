import { homedir, hostname } from 'node:os'
import { join } from 'node:path'
import type { JsonSchema } from './load-config.ts'
import type { LogLevel } from '../log/logger.ts'

/** Where state lives when NUBIS_DATA_DIR is unset: /var/lib/nubis for root, else under $HOME. */
export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/nubis' : join(homedir(), '.local', 'share', 'nubis')
}

export type CommonConfig = {
  dataDir: string
  bindHost: string
  publicHost: string
  host: string
  logLevel: LogLevel
  region: string
  authUrl: string
  installPackages: boolean
  database: { url: string }
  messaging: { transport: 'in-process' | 'amqp'; url: string; exchange: string }
}

export const commonConfigSchema: Record<string, JsonSchema> = {
  dataDir: { type: 'string', default: defaultDataDir(), description: 'Directory holding all state (databases, keys, images).' },
  bindHost: { type: 'string', default: '127.0.0.1', description: 'Address the API servers listen on.' },
  publicHost: { type: 'string', default: '', description: 'Host name put in catalog URLs (empty: bindHost, or 127.0.0.1 when bound to 0.0.0.0).' },
  host: { type: 'string', default: hostname(), description: 'Name of this host as services report it.' },
  logLevel: { enum: ['debug', 'info', 'warn', 'error'], default: 'info', description: 'Lowest level logged.' },
  region: { type: 'string', default: 'RegionOne', description: 'Region of this cloud in the catalog.' },
  authUrl: {
    type: 'string', default: '',
    description: 'Identity URL other services validate tokens against (empty: this host, identity port).',
  },
  installPackages: {
    type: 'boolean', default: true,
    description: 'On Debian/Ubuntu as root, install missing packages for the enabled drivers at start-up.',
  },
  database: {
    type: 'object', additionalProperties: false, default: {},
    properties: {
      url: {
        type: 'string', default: '',
        description: 'Database URL (sqlite:/path, postgres://…, mysql://…). Empty: one SQLite file per service in dataDir.',
      },
    },
  },
  messaging: {
    type: 'object', additionalProperties: false, default: {},
    properties: {
      transport: { enum: ['in-process', 'amqp'], default: 'in-process', description: 'Message bus between services.' },
      url: { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672/', description: 'AMQP URL when transport is amqp.' },
      exchange: {
        type: 'string', default: 'nubis',
        description: 'AMQP exchange every service of this cloud uses (oslo control_exchange); also the first part of its queue names.',
      },
    },
  },
}

/** The database URL a service uses: the shared one, or its own SQLite file. */
export function databaseUrlFor(config: CommonConfig, service: string): string {
  return config.database.url || `sqlite://${join(config.dataDir, `${service}.sqlite`)}`
}

export function publicHostOf(config: CommonConfig): string {
  if (config.publicHost) return config.publicHost
  return config.bindHost === '0.0.0.0' || config.bindHost === '::' ? '127.0.0.1' : config.bindHost
}
