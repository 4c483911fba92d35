import type { ApiResponse } from '../../../common/http/types.ts'
import type { Instance } from '../../model/instance.ts'
import type { ComputeApiDeps, ComputeRequest } from '../context.ts'

/** One server action (`POST /servers/{id}/action` with `{"<name>": body}`). */
export type ServerAction = (deps: ComputeApiDeps, req: ComputeRequest, instance: Instance, body: any) => Promise<ApiResponse>

export const accepted = (): ApiResponse => ({ status: 202 })
