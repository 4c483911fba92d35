import type { JsonSchema } from '../common/config/load-config.ts'

/** The `identity:` section of the configuration file. */
export type IdentityConfig = {
  port: number
  tokenExpirationSec: number
  fernetMaxActiveKeys: number
  passwordHashRounds: number
  maxRequestBodyBytes: number
  adminProjectName: string
  securityCompliance: {
    lockoutFailureAttempts: number
    lockoutDurationSec: number
    uniqueLastPasswordCount: number
    minimumPasswordAgeDays: number
    passwordExpiresDays: number
    changePasswordUponFirstUse: boolean
  }
  bootstrap: {
    adminUser: string
    adminPassword: string
    adminProject: string
    demoProject: string
    demoUser: string
    demoPassword: string
    servicePassword: string
  }
  /** The service user other services log in as; empty user: the file bootstrap writes (service-credentials.json). */
  serviceCredentials: { user: string; password: string; project: string; domain: string }
}

const int = (d: number, description: string, minimum = 0): JsonSchema => ({ type: 'integer', default: d, minimum, description })

export const identityConfigSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: int(5000, 'Port of the Identity API (Keystone uses 5000).', 0),
    tokenExpirationSec: int(3600, 'Lifetime of a token in seconds.', 1),
    fernetMaxActiveKeys: int(3, 'Fernet keys kept by rotation (staged + primary + secondaries).', 3),
    passwordHashRounds: int(12, 'bcrypt cost factor for passwords and secrets.', 4),
    maxRequestBodyBytes: int(114688, 'Largest request body accepted.', 1024),
    adminProjectName: {
      type: 'string', default: '',
      description: 'Project whose admins are cloud admins (is_admin_project); empty: every project, as Keystone.',
    },
    securityCompliance: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        lockoutFailureAttempts: int(0, 'Failed password attempts before the user is locked out; 0 disables lockout.'),
        lockoutDurationSec: int(1800, 'How long a locked-out user stays locked, in seconds.'),
        uniqueLastPasswordCount: int(0, 'A new password may not repeat any of this many previous ones; 0 or 1 disables.'),
        minimumPasswordAgeDays: int(0, 'Days before a user may change their password again.'),
        passwordExpiresDays: int(0, 'Days a password stays valid; 0 means it never expires.'),
        changePasswordUponFirstUse: { type: 'boolean', default: false, description: 'New users must change their password first.' },
      },
    },
    bootstrap: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        adminUser: { type: 'string', default: 'admin', description: 'Name of the first admin user.' },
        adminPassword: { type: 'string', default: '', description: 'Its password; empty: generated and saved in clouds.yaml.' },
        adminProject: { type: 'string', default: 'admin', description: 'Project the admin user holds the admin role on.' },
        demoProject: { type: 'string', default: 'demo', description: 'Project for ordinary use, with a member user.' },
        demoUser: { type: 'string', default: 'demo', description: 'Member user of the demo project.' },
        demoPassword: { type: 'string', default: '', description: 'Its password; empty: generated and saved in clouds.yaml.' },
        servicePassword: {
          type: 'string', default: '',
          description: 'Password of the nubis-service user (project service); empty: generated once. Either way saved in dataDir/service-credentials.json.',
        },
      },
    },
    serviceCredentials: {
      type: 'object', additionalProperties: false, default: {},
      description: 'How compute and the other services log in to call the network, image and placement APIs.',
      properties: {
        user: { type: 'string', default: '', description: 'Service user name; empty: read dataDir/service-credentials.json.' },
        password: { type: 'string', default: '', description: 'Its password (required with user).' },
        project: { type: 'string', default: '', description: 'Project to scope to; empty: service.' },
        domain: { type: 'string', default: '', description: 'Domain of the user and project; empty: default.' },
      },
    },
  },
}
