/** What each service adds to a tempest run: preparation in the cloud (images, networks) and conf sections. */
export type AdminSession = {
  /** Identity v3 URL. */
  url: string
  /** A project-scoped admin token. */
  token: string
  /** Public endpoint URL of a catalog type (e.g. 'image', 'network'), or undefined. */
  endpoint(type: string): string | undefined
  say(line: string): void
}

export type ConfSections = Record<string, Record<string, string | number | boolean>>

export type TempestService = {
  /** The [service_available] option this plugin serves (glance, neutron, ...). */
  option: string
  /** Creates what the tests need in the cloud (idempotent) and returns the conf sections. */
  prepare(admin: AdminSession): Promise<ConfSections>
}
