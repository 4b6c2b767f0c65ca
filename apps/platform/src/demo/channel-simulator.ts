import { performance } from 'node:perf_hooks';
import { catalogueSkus, type DemoNetwork } from './network';
import type { GeneratedOrder } from './order-mix';
import { Random } from '@switchyard/random';

// The demo's sales channels: they create themselves in order-intake through its admin API, then send the order
// mix over HTTP at a steady rate (with jitter), and cancel the orders the mix flags a while after acceptance.

export interface ChannelKey {
  readonly channelId: string;
  readonly apiKey: string;
}

export interface DemoChannelSetup extends ChannelKey {
  /** True when this call registered the channel; false when it existed already. */
  readonly created: boolean;
  /** True when a new API key was issued (a new channel, or an existing one without a working known key). */
  readonly keyIssued: boolean;
}

/** One thing that went wrong sending an order or a cancellation; never thrown, given to `onError`. */
export interface SimulatorFailure {
  readonly kind: 'order' | 'cancel' | 'mix';
  readonly channelId: string | null;
  readonly channelOrderId: string | null;
  readonly orderId: string | null;
  /** The HTTP status, or null when no answer came (connection refused, timeout). */
  readonly status: number | null;
  /** The answer's body (intake's `{ errors: [...] }` problem), or the error message. */
  readonly problem: unknown;
}

export interface ChannelSimulatorOptions {
  /** Base URL of order-intake (or the gateway in front of it). */
  readonly intakeUrl: string;
  readonly channels: readonly ChannelKey[];
  /** Orders per second over all channels (> 0). */
  readonly ratePerSecond: number;
  readonly mix: Iterator<GeneratedOrder>;
  /** Told about every failed request, with the HTTP status and the problem body; default: nothing. */
  readonly onError?: (message: string, failure: SimulatorFailure) => void;
  /** Each tick comes ±this fraction of its interval early or late (0..1, default 0.3). */
  readonly jitter?: number;
  /** Seed of the jitter (default 1). */
  readonly seed?: number;
  /** Requests at once at most; due orders beyond it are skipped (counted), so a slow intake is not buried. Default 64. */
  readonly maxInFlight?: number;
  /** A request that takes longer is given up (default 30 s). */
  readonly requestTimeoutMs?: number;
}

export interface ChannelSimulatorStats {
  /** Orders sent to intake. */
  readonly sent: number;
  /** 202: accepted. */
  readonly accepted: number;
  /** 200: intake knew the order already (same channel order id and content). */
  readonly duplicates: number;
  /** 4xx: refused by intake (400/413 invalid, 401 key, 409 duplicate id, 422 rejected). */
  readonly refused: number;
  /** No answer or a 5xx. */
  readonly failed: number;
  /** Due but not sent: too many requests in flight, or a channel without a key. */
  readonly skipped: number;
  readonly inFlight: number;
  /** Cancellations waiting for their time. */
  readonly cancelsPending: number;
  readonly cancelsSent: number;
  /** 202: the cancellation was requested. */
  readonly cancelsAccepted: number;
  /** 409 (already final: completed, cancelled, rejected) or another 4xx. */
  readonly cancelsRefused: number;
  readonly cancelsFailed: number;
  /** Orders answered, by HTTP status (0: no answer). */
  readonly byStatus: Readonly<Record<number, number>>;
}

type MutableStats = { -readonly [K in keyof ChannelSimulatorStats]: ChannelSimulatorStats[K] } & { byStatus: Record<number, number> };

const MIN_TICK_MS = 10;

/**
 * Sends the order mix to order-intake at `ratePerSecond` (jittered ticks; the count of orders due follows the
 * elapsed time, so the rate holds whatever the timer's precision), cancels the flagged orders after their delay
 * and counts every outcome. Errors go to `onError`; nothing is thrown from its timers.
 */
export class ChannelSimulator {
  private readonly keys: ReadonlyMap<string, string>;
  private readonly random: Random;
  private readonly jitter: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly baseUrl: string;
  private readonly counts: MutableStats = {
    sent: 0, accepted: 0, duplicates: 0, refused: 0, failed: 0, skipped: 0, inFlight: 0,
    cancelsPending: 0, cancelsSent: 0, cancelsAccepted: 0, cancelsRefused: 0, cancelsFailed: 0, byStatus: {},
  };
  private readonly requests = new Set<Promise<void>>();
  private readonly cancelTimers = new Set<NodeJS.Timeout>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private mixDone = false;
  private startedAt = 0;
  private issued = 0;

  constructor(private readonly options: ChannelSimulatorOptions) {
    if (!(options.ratePerSecond > 0 && Number.isFinite(options.ratePerSecond))) throw new Error(`ChannelSimulator: ratePerSecond must be a number > 0, got ${options.ratePerSecond}`);
    if (options.channels.length === 0) throw new Error('ChannelSimulator: give at least one channel with its API key');
    this.jitter = options.jitter ?? 0.3;
    if (!(this.jitter >= 0 && this.jitter <= 1)) throw new Error(`ChannelSimulator: jitter must be from 0 to 1, got ${this.jitter}`);
    this.maxInFlight = options.maxInFlight ?? 64;
    if (!(Number.isInteger(this.maxInFlight) && this.maxInFlight >= 1)) throw new Error(`ChannelSimulator: maxInFlight must be a whole number ≥ 1, got ${this.maxInFlight}`);
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    let url: URL;
    try {
      url = new URL(options.intakeUrl);
    } catch {
      throw new Error(`ChannelSimulator: intakeUrl ${JSON.stringify(options.intakeUrl)} is not a URL (e.g. http://127.0.0.1:3000)`);
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.keys = new Map(options.channels.map((c) => [c.channelId, c.apiKey]));
    this.random = new Random(options.seed ?? 1);
  }

  /** Starts sending (again after stop()). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = performance.now();
    this.issued = 0;
    this.schedule();
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Stops sending, drops the cancellations not yet due, and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const timer of this.cancelTimers) clearTimeout(timer);
    this.cancelTimers.clear();
    this.counts.cancelsPending = 0;
    while (this.requests.size > 0) await Promise.allSettled([...this.requests]);
  }

  /** A snapshot of the counts. */
  stats(): ChannelSimulatorStats {
    return { ...this.counts, byStatus: { ...this.counts.byStatus } };
  }

  private schedule(): void {
    const interval = Math.max(1_000 / this.options.ratePerSecond, MIN_TICK_MS);
    const delay = interval * (1 + this.jitter * (2 * this.random.float() - 1));
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    try {
      const due = Math.floor(((performance.now() - this.startedAt) / 1_000) * this.options.ratePerSecond) - this.issued;
      for (let i = 0; i < due && this.running && !this.mixDone; i++) {
        this.issued += 1;
        if (this.counts.inFlight >= this.maxInFlight) {
          this.counts.skipped += 1;
          continue;
        }
        const next = this.options.mix.next();
        if (next.done) {
          this.mixDone = true;
          this.report('the order mix has no more orders: sending stopped', { kind: 'mix', channelId: null, channelOrderId: null, orderId: null, status: null, problem: null });
          break;
        }
        this.track(this.sendOrder(next.value));
      }
    } catch (error) {
      this.report(`demo traffic: ${(error as Error).message}`, { kind: 'mix', channelId: null, channelOrderId: null, orderId: null, status: null, problem: (error as Error).message });
    } finally {
      if (this.running && !this.mixDone) this.schedule();
    }
  }

  private track(request: Promise<void>): void {
    this.requests.add(request);
    void request.finally(() => this.requests.delete(request));
  }

  private async sendOrder(order: GeneratedOrder): Promise<void> {
    const channelOrderId = order.body.channelOrderId;
    const apiKey = this.keys.get(order.channelId);
    const failure = (status: number | null, problem: unknown, orderId: string | null = null): SimulatorFailure => ({ kind: 'order', channelId: order.channelId, channelOrderId, orderId, status, problem });
    if (apiKey === undefined) {
      this.counts.skipped += 1;
      this.report(`order ${channelOrderId} not sent: no API key for channel ${order.channelId} (the simulator has ${[...this.keys.keys()].join(', ')})`, failure(null, null));
      return;
    }
    this.counts.inFlight += 1;
    this.counts.sent += 1;
    try {
      const answer = await this.post('/v1/orders', apiKey, order.body);
      this.counts.byStatus[answer.status] = (this.counts.byStatus[answer.status] ?? 0) + 1;
      const orderId = typeof answer.body === 'object' && answer.body !== null && typeof (answer.body as { orderId?: unknown }).orderId === 'string' ? (answer.body as { orderId: string }).orderId : null;
      if (answer.status === 202 || answer.status === 200) {
        if (answer.status === 202) this.counts.accepted += 1;
        else this.counts.duplicates += 1;
        if (order.cancelAfterMs !== null && orderId !== null && answer.status === 202) this.scheduleCancel(order, apiKey, orderId);
      } else if (answer.status >= 400 && answer.status < 500) {
        this.counts.refused += 1;
        this.report(`order ${channelOrderId} (${order.channelId}) refused: ${answer.status} ${stringify(answer.body)}`, failure(answer.status, answer.body, orderId));
      } else {
        this.counts.failed += 1;
        this.report(`order ${channelOrderId} (${order.channelId}) failed: ${answer.status} ${stringify(answer.body)}`, failure(answer.status, answer.body, orderId));
      }
    } catch (error) {
      this.counts.failed += 1;
      this.counts.byStatus[0] = (this.counts.byStatus[0] ?? 0) + 1;
      this.report(`order ${channelOrderId} (${order.channelId}) got no answer from ${this.baseUrl}: ${describe(error)}`, failure(null, describe(error)));
    } finally {
      this.counts.inFlight -= 1;
    }
  }

  private scheduleCancel(order: GeneratedOrder, apiKey: string, orderId: string): void {
    if (!this.running) return;
    this.counts.cancelsPending += 1;
    const timer = setTimeout(() => {
      this.cancelTimers.delete(timer);
      this.counts.cancelsPending -= 1;
      this.track(this.sendCancel(order, apiKey, orderId));
    }, order.cancelAfterMs ?? 0);
    this.cancelTimers.add(timer);
  }

  private async sendCancel(order: GeneratedOrder, apiKey: string, orderId: string): Promise<void> {
    const channelOrderId = order.body.channelOrderId;
    const failure = (status: number | null, problem: unknown): SimulatorFailure => ({ kind: 'cancel', channelId: order.channelId, channelOrderId, orderId, status, problem });
    this.counts.cancelsSent += 1;
    try {
      const answer = await this.post(`/v1/orders/${encodeURIComponent(orderId)}/cancel`, apiKey, { reason: 'CUSTOMER_REQUEST', note: 'demo: the customer changed their mind' });
      if (answer.status === 202) {
        this.counts.cancelsAccepted += 1;
      } else if (answer.status >= 400 && answer.status < 500) {
        // 409: completed or cancelled already, which a demo customer cancelling late may well meet.
        this.counts.cancelsRefused += 1;
        if (answer.status !== 409) this.report(`cancellation of ${orderId} (${channelOrderId}, ${order.channelId}) refused: ${answer.status} ${stringify(answer.body)}`, failure(answer.status, answer.body));
      } else {
        this.counts.cancelsFailed += 1;
        this.report(`cancellation of ${orderId} (${channelOrderId}, ${order.channelId}) failed: ${answer.status} ${stringify(answer.body)}`, failure(answer.status, answer.body));
      }
    } catch (error) {
      this.counts.cancelsFailed += 1;
      this.report(`cancellation of ${orderId} (${channelOrderId}, ${order.channelId}) got no answer from ${this.baseUrl}: ${describe(error)}`, failure(null, describe(error)));
    }
  }

  private async post(path: string, apiKey: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: response.status, body: await readBody(response) };
  }

  private report(message: string, failure: SimulatorFailure): void {
    try {
      this.options.onError?.(message, failure);
    } catch {
      // A failing error callback must not stop the traffic.
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Registers the network's channels in order-intake (admin API, `OPERATOR_API_KEY`) and its whole catalogue, the
 * out-of-stock SKUs included (so their orders are accepted and then back-ordered). Safe to call on every start:
 * a channel that exists already (409) keeps its known key when that key still works, else gets a new key issued.
 * Returns every channel's key; the caller keeps them (a key is shown once).
 */
export async function setupDemoChannels(
  intakeUrl: string,
  operatorKey: string,
  network: DemoNetwork,
  knownKeys: Readonly<Record<string, string>> = {},
): Promise<DemoChannelSetup[]> {
  const base = intakeUrl.replace(/\/+$/, '');
  const admin = async (method: string, path: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new Error(`setupDemoChannels: ${method} ${base}${path} got no answer: ${describe(error)}`);
    }
    return { status: response.status, body: await readBody(response) };
  };
  const fail = (what: string, answer: { status: number; body: unknown }, hint = '') =>
    new Error(`setupDemoChannels: ${what} answered ${answer.status} ${stringify(answer.body)}${hint}`);
  const operatorHint = (status: number) =>
    status === 503 ? ' (is OPERATOR_API_KEY set on order-intake? without it the admin API answers 503)' : status === 401 ? ' (the operator key is not the one order-intake has)' : '';

  const result: DemoChannelSetup[] = [];
  for (const channel of network.channels) {
    const created = await admin('POST', '/v1/admin/channels', {
      channelId: channel.channelId,
      defaultMarket: channel.defaultMarket,
      defaultBackOrderPolicy: channel.defaultBackOrderPolicy,
    });
    if (created.status === 201) {
      result.push({ channelId: channel.channelId, apiKey: apiKeyOf(created.body, `creating channel ${channel.channelId}`), created: true, keyIssued: true });
      continue;
    }
    if (created.status !== 409) throw fail(`creating channel ${channel.channelId}`, created, operatorHint(created.status));
    const known = knownKeys[channel.channelId];
    if (known !== undefined && (await keyWorks(base, known))) {
      result.push({ channelId: channel.channelId, apiKey: known, created: false, keyIssued: false });
      continue;
    }
    const issued = await admin('POST', `/v1/admin/channels/${encodeURIComponent(channel.channelId)}/keys`);
    if (issued.status !== 201) throw fail(`issuing a key for the existing channel ${channel.channelId}`, issued, operatorHint(issued.status));
    result.push({ channelId: channel.channelId, apiKey: apiKeyOf(issued.body, `issuing a key for ${channel.channelId}`), created: false, keyIssued: true });
  }

  const catalogue = await admin('POST', '/v1/admin/catalogue', { skus: catalogueSkus(network) });
  if (catalogue.status !== 200 && catalogue.status !== 201) throw fail(`registering ${network.skus.length} catalogue SKUs`, catalogue, operatorHint(catalogue.status));
  return result;
}

/** Whether intake takes a channel key: a lookup of an order id nobody uses answers 404 to a good key, 401 to a bad one. */
async function keyWorks(base: string, apiKey: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/v1/orders?channelOrderId=${encodeURIComponent('switchyard-demo-key-check')}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return response.status !== 401;
  } catch {
    return false;
  }
}

function apiKeyOf(body: unknown, what: string): string {
  const key = typeof body === 'object' && body !== null ? (body as { apiKey?: unknown }).apiKey : undefined;
  if (typeof key !== 'string' || key.length === 0) throw new Error(`setupDemoChannels: ${what} returned no apiKey: ${stringify(body)}`);
  return key;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function stringify(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}
