/**
 * The route table a configuration produces: the built-in rules (unless `routes.builtin: false`)
 * with the configured ones added or replacing them. One function, so the gateway and
 * `photogate rules` cannot build different tables from the same file.
 */
import type { Config } from '../config/schema.js';
import { defaultRouteRules } from './default-route-rules.js';
import { createRouteTable, type RouteTable } from './route-rules.js';

export function createConfiguredRouteTable(config: Pick<Config, 'routes'>): RouteTable {
  return createRouteTable(config.routes.builtin ? defaultRouteRules : [], config.routes.rules);
}
