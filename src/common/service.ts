/** What the CLI hands every service it starts, and what a started service gives back. */
import type { CommonConfig } from './config/common-config.ts'
import type { LocalServices } from './local-services.ts'
import type { Logger } from './log/logger.ts'
import type { Transport } from './rpc/transport.ts'

export type ServiceContext<Sections = Record<string, unknown>> = {
  config: CommonConfig & Sections
  log: Logger
  transport: Transport
  /** What the other services of this process offer directly; absent when the caller starts services one by one. */
  local?: LocalServices
}

export type RunningService = {
  /** Where it listens, for the start-up summary (e.g. http://127.0.0.1:5000). */
  url?: string
  stop(): Promise<void>
}

export type StartService<Sections = any> = (ctx: ServiceContext<Sections>) => Promise<RunningService>

/** A catalog entry a service asks identity to publish. */
export type CatalogEndpoint = { type: string; name: string; description: string; url: string }
