/** The remaining server actions (rescue, rebuild, createImage, createBackup, shelve, resize, migrate, live migrate, evacuate, password, interfaces). */
import type { ServerAction } from './action.ts'
import { backupActions } from './backup.ts'
import { guestActions } from './guest.ts'
import { moveActions } from './moves.ts'
import { shelveActions } from './shelve.ts'

export const moreActions: Record<string, ServerAction> = {
  ...moveActions,
  ...guestActions,
  ...backupActions,
  ...shelveActions,
}
