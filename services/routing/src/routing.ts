import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { SERVICE_SETTINGS, ServiceLogger } from '@switchyard/service-kit';
import { DataSource } from 'typeorm';
import { AtpProjection } from './atp-projection';
import { PlannedCapacity, type CapacityChange } from './capacity';
import { RoutingDecisions } from './decisions';
import { NetworkStore, readNetworkFile } from './network';
import type { RoutingSettings } from './routing.settings';
import { readRulesetFile, RulesetStore } from './rulesets';

/**
 * Routing's state and start-up: loads NETWORK_FILE into the routing schema and seeds RULESET_FILE; a bad file stops
 * the start. The module loads them while it is built (routing.module.ts), before the consumers start; handlers
 * still wait for the same load (`ready()`), which is then already done.
 */
@Injectable()
export class Routing implements OnModuleInit {
  readonly network = new NetworkStore();
  readonly projection = new AtpProjection();
  readonly rulesets = new RulesetStore();
  readonly capacity = new PlannedCapacity();
  readonly decisions = new RoutingDecisions(this.network, this.projection, this.rulesets, this.capacity, () => this.activeRulesetId, (what, change) =>
    this.logCapacityChange(what, change),
  );
  private rulesetId: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(SERVICE_SETTINGS) private readonly settings: RoutingSettings,
    @Inject(ServiceLogger) private readonly logger: ServiceLogger,
  ) {}

  /** The ruleset id that routes orders: RULESET_FILE's; its highest published version is the one in force. */
  get activeRulesetId(): string {
    if (this.rulesetId === undefined) throw new Error('routing has not finished starting: RULESET_FILE is not seeded yet');
    return this.rulesetId;
  }

  async onModuleInit(): Promise<void> {
    await this.ready();
  }

  /** Resolves once the network and the ruleset are loaded; the first caller starts the load. */
  ready(): Promise<void> {
    this.loading ??= this.load();
    return this.loading;
  }

  /** Logs what an event did to planned capacity; nothing when it changed nothing. */
  logCapacityChange(what: string, change: CapacityChange): void {
    if (change.released.length > 0) this.logger.info('capacity given back', { event: what, shipments: change.released.join(', ') });
    if (change.restored.length > 0) this.logger.info('capacity counted again: the shipment goes ahead after all', { event: what, shipments: change.restored.join(', ') });
  }

  private async load(): Promise<void> {
    const { NETWORK_FILE, RULESET_FILE } = this.settings;
    const network = readNetworkFile(NETWORK_FILE);
    const seed = readRulesetFile(RULESET_FILE);
    const active = await this.dataSource.transaction(async (em) => {
      await this.network.replace(em, network, NETWORK_FILE);
      return this.rulesets.seed(em, seed, RULESET_FILE);
    });
    this.rulesetId = active.rulesetId;
    this.logger.info('network and ruleset loaded', { locations: network.locations.length, networkFile: NETWORK_FILE, ruleset: `${active.rulesetId}@${active.version}` });
  }
}
