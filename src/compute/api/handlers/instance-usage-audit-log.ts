/**
 * /os-instance_usage_audit_log: how the instance usage audit task did on each compute host over
 * the audit period last completed (before now, or before the timestamp of the show). Hosts are
 * every compute service, disabled ones included, as Nova counts them; a host with no task log
 * for the period is "not run". No agent runs the audit task here (Nova's instance_usage_audit
 * is off by default too), so there are no task logs and every host is reported not run.
 */
import { route, type Route } from '../../../common/http/types.ts'
import { badRequest } from '../../errors.ts'
import { lastCompletedAuditPeriod, parseAuditTimestamp, pythonDatetimeText, type Micros } from '../audit-period.ts'
import { authorize, type ComputeApiDeps } from '../context.ts'
import { isComputeService, listServices } from '../service-state.ts'

/** One row of Nova's task_log table for the task instance_usage_audit. */
export type AuditTaskLog = { host: string; state: string; task_items: number; errors: number; message: string }

export function instanceUsageAuditLogRoutes(deps: ComputeApiDeps): Route[] {
  return [
    route('GET', '/os-instance_usage_audit_log', async (req) => {
      authorize(deps, req, 'os-instance-usage-audit-log:list')
      return { status: 200, body: { instance_usage_audit_logs: await auditLogs(deps) } }
    }),
    route('GET', '/os-instance_usage_audit_log/:before', async (req) => {
      authorize(deps, req, 'os-instance-usage-audit-log:show')
      const text = req.params.before
      const before = parseAuditTimestamp(text)
      if (before === undefined) throw badRequest(`Invalid timestamp for date ${text}`)
      return { status: 200, body: { instance_usage_audit_log: await auditLogs(deps, before) } }
    }),
  ]
}

async function auditLogs(deps: ComputeApiDeps, before?: Micros): Promise<Record<string, unknown>> {
  const period = lastCompletedAuditPeriod(deps.config.instanceUsageAuditPeriod ?? 'month', before)
  const hosts = new Set((await listServices(deps.db)).filter(isComputeService).map((s) => s.host))
  return auditReport(hosts, [], period)
}

/** Nova's _get_audit_task_logs: the period, host counts, totals, an overall status and each host's log. */
export function auditReport(hosts: Set<string>, taskLogs: AuditTaskLog[], period: { begin: Micros; end: Micros }): Record<string, unknown> {
  const seen = new Set(taskLogs.map((t) => t.host))
  const done = new Set(taskLogs.filter((t) => t.state === 'DONE').map((t) => t.host))
  const running = new Set(taskLogs.filter((t) => t.state === 'RUNNING').map((t) => t.host))
  const totalErrors = taskLogs.reduce((n, t) => n + t.errors, 0)
  const totalItems = taskLogs.reduce((n, t) => n + t.task_items, 0)
  const notRun = [...hosts].filter((h) => !seen.has(h)).sort()
  const doneText = done.size === hosts.size ? 'ALL' : `${done.size} of ${hosts.size}`
  return {
    period_beginning: pythonDatetimeText(period.begin),
    period_ending: pythonDatetimeText(period.end),
    num_hosts: hosts.size,
    num_hosts_done: done.size,
    num_hosts_running: running.size,
    num_hosts_not_run: notRun.length,
    hosts_not_run: notRun,
    total_instances: totalItems,
    total_errors: totalErrors,
    overall_status: `${doneText} hosts done. ${totalErrors} errors.`,
    log: Object.fromEntries(taskLogs.map((t) => [t.host, { state: t.state, instances: t.task_items, errors: t.errors, message: t.message }])),
  }
}
