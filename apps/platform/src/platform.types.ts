import type { Transport } from '@switchyard/messaging';

/** How the platform runs: every service in this process on the embedded transport, or each its own process on Kafka. */
export type PlatformMode = 'embedded' | 'kafka';

export interface PlatformOptions {
  readonly mode: PlatformMode;
  /** Embedded mode: folder of the embedded PostgreSQL's data and the demo keys (default `.switchyard/data`). */
  readonly dataDir?: string;
  /** A PostgreSQL to use instead of the embedded one (kafka mode: default the local one). */
  readonly databaseUrl?: string;
  /** Kafka mode: brokers to use instead of the local broker. */
  readonly kafkaBrokers?: readonly string[];
  /** Port of the platform's front door (API gateway); 0 picks a free one. Default 3000. */
  readonly port?: number;
  /** Start the channel simulators sending the demo order mix (default true). */
  readonly demoTraffic?: boolean;
  /** Replenish the demo network's stock (reorder points, back-ordered SKUs coming in); default: with demo traffic. */
  readonly demoReplenishment?: boolean;
  /** Orders per second the demo channels send (default 2). */
  readonly demoRatePerSecond?: number;
  /** Time from instruction to dispatch in the simulated warehouses. */
  readonly dispatchDelayMs?: number;
  /** Where log lines go (JSON, one per line). */
  readonly writeLog?: (line: string) => void;
}

export interface DemoChannelKey {
  readonly channelId: string;
  readonly apiKey: string;
}

export interface PlatformProcess {
  readonly name: string;
  readonly pid: number;
}

export interface Platform {
  readonly mode: PlatformMode;
  /** The front door: `/v1/orders` (channels), `/health`, `/openapi.json`, and `/<service>/...` for each service's own API. */
  readonly apiUrl: string;
  readonly serviceUrls: Readonly<Record<string, string>>;
  readonly channels: readonly DemoChannelKey[];
  /** Operator key of the admin/control endpoints of this run. */
  readonly operatorKey: string;
  /** The platform's event transport (topic namespace applied), for observers: progress, benchmarks, replays. */
  readonly transport: Transport;
  /** The processes running services (embedded: this one). */
  processes(): readonly PlatformProcess[];
  /** Drains and stops every service (and the embedded database). Idempotent. */
  stop(): Promise<void>;
}
