import { BadRequestException, Body, ConflictException, Controller, Get, Headers, HttpCode, Inject, NotFoundException, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { ValidationIssue } from '@switchyard/routing-engine';
import { DataSource } from 'typeorm';
import { DecisionRecord } from './decisions';
import { localDayAt, validateNetwork } from './network';
import { OperatorAuthGuard, operatorIdOf } from './operator-auth';
import { Routing } from './routing';
import { RULESET_ID } from './rulesets';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const invalid = (what: string, issues: readonly ValidationIssue[]) =>
  new BadRequestException({ statusCode: 400, error: 'Bad Request', message: `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues });

function rulesetIdOf(id: string): string {
  if (!RULESET_ID.test(id)) throw invalid('Invalid ruleset id', [{ path: 'id', message: `"${id}" must be 1 to 100 letters, digits, ".", "_" or "-"` }]);
  return id;
}

/** Decisions and their explanations for the operations team; the network; rulesets (publishing needs the operator key). */
@Controller('v1')
export class RoutingHttp {
  constructor(
    @Inject(Routing) private readonly routing: Routing,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get('decisions/:decisionId')
  async decision(@Param('decisionId') decisionId: string): Promise<DecisionRecord> {
    const found = UUID.test(decisionId) ? await this.routing.decisions.byId(this.dataSource.manager, decisionId) : undefined;
    if (!found) throw new NotFoundException(`No routing decision ${decisionId}; the decision id is in OrderRouted.explanation.decisionId and OrderUnroutable.decisionId.`);
    return found;
  }

  @Get('orders/:orderId/decisions')
  async orderDecisions(@Param('orderId') orderId: string): Promise<{ orderId: string; decisions: DecisionRecord[] }> {
    const decisions = await this.routing.decisions.forOrder(this.dataSource.manager, orderId);
    if (decisions.length === 0) throw new NotFoundException(`Routing has decided nothing for order ${orderId}: no RouteOrder for it has been handled (check the id, or routing.commands.dlq).`);
    return { orderId, decisions };
  }

  @Get('network')
  async network() {
    const em = this.dataSource.manager;
    const network = await this.routing.network.load(em);
    const now = Date.now();
    const days = network.locations.map((location) => ({ locationId: location.id, localDay: localDayAt(location, now) }));
    const used = await this.routing.network.shipmentsPlanned(em, days);
    return {
      ...network,
      locations: network.locations.map((location, i) => ({ ...location, today: { localDay: days[i].localDay, shipmentsPlanned: used.get(location.id) ?? 0 } })),
    };
  }

  /** Replaces the whole network (locations not in the body are removed), validated like NETWORK_FILE. */
  @Put('network')
  @UseGuards(OperatorAuthGuard)
  async replaceNetwork(@Body() body: unknown, @Headers() headers: Record<string, string | string[] | undefined>) {
    const operator = operatorIdOf(headers);
    if (!operator) throw invalid('Invalid X-Operator-Id', [{ path: 'X-Operator-Id', message: 'must be 1 to 100 letters, digits, "_", ".", "@" or "-"' }]);
    const checked = validateNetwork(body);
    if (!checked.ok) throw invalid('The network is not valid', checked.issues);
    await this.dataSource.transaction((em) => this.routing.network.replace(em, checked.value, `PUT /v1/network by ${operator}`));
    return this.network();
  }

  @Get('rulesets/:id')
  async ruleset(@Param('id') id: string) {
    const rulesetId = rulesetIdOf(id);
    const em = this.dataSource.manager;
    const active = await this.routing.rulesets.active(em, rulesetId);
    if (!active) throw new NotFoundException(`No ruleset "${rulesetId}" has been published; POST /v1/rulesets/${rulesetId} publishes one.`);
    return { ...active, routesOrders: rulesetId === this.routing.activeRulesetId, versions: await this.routing.rulesets.history(em, rulesetId) };
  }

  /** Publishes the body as the next version of ruleset `id`; the next RouteOrder decided uses it. */
  @Post('rulesets/:id')
  @HttpCode(201)
  @UseGuards(OperatorAuthGuard)
  async publish(@Param('id') id: string, @Body() body: unknown, @Headers() headers: Record<string, string | string[] | undefined>) {
    const rulesetId = rulesetIdOf(id);
    const operator = operatorIdOf(headers);
    if (!operator) throw invalid('Invalid X-Operator-Id', [{ path: 'X-Operator-Id', message: 'must be 1 to 100 letters, digits, "_", ".", "@" or "-"' }]);
    const outcome = await this.dataSource.transaction((em) => this.routing.rulesets.publish(em, rulesetId, body, operator));
    if (!outcome.ok && outcome.status === 409) throw new ConflictException({ statusCode: 409, error: 'Conflict', message: outcome.issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues: outcome.issues });
    if (!outcome.ok) throw invalid(`Ruleset "${rulesetId}" is not valid`, outcome.issues);
    return { ...outcome.published, routesOrders: rulesetId === this.routing.activeRulesetId };
  }
}
