import assert from 'node:assert/strict'
import { test } from 'node:test'
import { addRoutes, checkRouteCount, checkRoutes, MAX_ROUTES_PER_ROUTER, removeRoutes } from './routes.ts'

const r = (destination: string, nexthop: string) => ({ destination, nexthop })

test('addRoutes merges exact duplicates and groups by destination in first-seen order', () => {
  const old = [r('10.0.0.0/24', '192.168.0.2'), r('10.1.0.0/24', '192.168.0.3')]
  const merged = addRoutes(old, [r('10.0.0.0/24', '192.168.0.4'), r('10.1.0.0/24', '192.168.0.3'), r('10.2.0.0/24', '192.168.0.5')])
  assert.deepEqual(merged, [
    r('10.0.0.0/24', '192.168.0.2'), r('10.0.0.0/24', '192.168.0.4'), r('10.1.0.0/24', '192.168.0.3'), r('10.2.0.0/24', '192.168.0.5'),
  ])
})

test('removeRoutes drops exact matches only and ignores routes that are not there', () => {
  const old = [r('10.0.0.0/24', '192.168.0.2'), r('10.0.0.0/24', '192.168.0.4')]
  assert.deepEqual(removeRoutes(old, [r('10.0.0.0/24', '192.168.0.4'), r('10.9.0.0/24', '192.168.0.9')]), [r('10.0.0.0/24', '192.168.0.2')])
})

test('checkRoutes: the nexthop must be in a connected subnet and not one of the router addresses', () => {
  const connected = { cidrs: ['192.168.0.0/24', '2001:db8::/64'], ips: ['192.168.0.1', '2001:db8::1'] }
  checkRoutes([r('10.0.0.0/8', '192.168.0.7'), r('2001:db8:1::/64', '2001:db8::7')], connected)
  assert.throws(() => checkRoutes([r('10.0.0.0/8', '192.168.1.7')], connected), (e: any) =>
    e.status === 400 && e.title === 'InvalidRoutes' &&
    e.message === "Invalid format for routes: [{'destination': '10.0.0.0/8', 'nexthop': '192.168.1.7'}], the nexthop is not connected with router")
  assert.throws(() => checkRoutes([r('10.0.0.0/8', '2001:DB8::1')], connected), /the nexthop is used by router$/)
  assert.throws(() => checkRoutes([r('10.0.0.0/8', '192.168.0.7')], { cidrs: [], ips: [] }), /not connected/)
})

test('checkRouteCount allows the quota and refuses one more as OverQuota', () => {
  const routes = Array.from({ length: MAX_ROUTES_PER_ROUTER + 1 }, (_, i) => r(`10.${i}.0.0/16`, '192.168.0.2'))
  checkRouteCount(routes.slice(1))
  assert.throws(() => checkRouteCount(routes), (e: any) => e.status === 409 && e.message === "Quota exceeded for resources: ['router_route'].")
})
