import { resolve } from 'node:path';
import { ConfigOf, settings } from '@switchyard/service-kit';

/** Where the example configuration lives: beside the sources, so `nx serve` and tests find it from any working directory. */
export const EXAMPLE_NETWORK_FILE = resolve(__dirname, '../config/network.example.json');
export const DEFAULT_RULESET_FILE = resolve(__dirname, '../config/ruleset.default.json');

/** Routing's own settings, validated at start with the common ones (docs/routing-service.md). */
export const routingSettings = {
  NETWORK_FILE: settings.string({ default: EXAMPLE_NETWORK_FILE, doc: 'the network (locations, capacity, cutoffs, coordinates), JSON or YAML; loaded into the routing schema at start' }),
  RULESET_FILE: settings.string({ default: DEFAULT_RULESET_FILE, doc: 'the ruleset seeded at start when its id has no published version yet; its id is the one that routes orders' }),
  OPERATOR_API_KEY: settings.optional(
    settings.string({ secret: true, pattern: /^\S{32,256}$/, doc: 'operator key for publishing rulesets and replacing the network (32+ characters); unset: those endpoints answer 503' }),
  ),
};

export type RoutingSettings = ConfigOf<typeof routingSettings>;
