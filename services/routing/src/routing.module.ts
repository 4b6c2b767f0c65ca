import { Module } from '@nestjs/common';
import { Routing } from './routing';
import { RoutingHandlers } from './routing.handlers';
import { RoutingHttp } from './routing.http';

/**
 * Loads NETWORK_FILE and RULESET_FILE while the module is built, which Nest awaits before anything else starts: the
 * consumers start before module init hooks run, and a handler waiting inside its transaction for a load that needs
 * a connection of its own would stall a database that serialises connections (the embedded platform's PGlite).
 */
const loadedAtStart = { provide: Symbol('ROUTING_LOADED_AT_START'), useFactory: (routing: Routing) => routing.ready().then(() => true), inject: [Routing] };

@Module({ controllers: [RoutingHandlers, RoutingHttp], providers: [Routing, loadedAtStart] })
export class RoutingModule {}
