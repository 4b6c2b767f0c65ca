import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import { messagingMigration, Outbox, type OutgoingEvent } from '@switchyard/messaging';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, type EntityManager } from 'typeorm';
import { DueWorkLoop, dueWorkLoopProvider, type DueWorkTransaction } from './due-work-loop';
import { ServiceLogger } from './service-logger';
import { eventually } from './testing';

// The due-rows timer on real PostgreSQL: a table of jobs with a due time, loops that claim them.
const SCHEMA = 'due_probe';
const quiet = { error: () => undefined };

let database: TestDatabase;
let dataSource: DataSource;
const outbox = new Outbox({ schema: SCHEMA });

function event(jobId: number): OutgoingEvent {
  return {
    topic: 'inventory.events',
    key: `sku-${jobId}@dc-probe`,
    event: {
      type: 'StockAdjusted',
      payload: {
        metadata: { eventId: `00000000-0000-4000-8000-${String(jobId).padStart(12, '0')}`, occurredAt: 1_795_000_000_000, correlationId: `job-${jobId}`, causationId: null },
        locationId: 'dc-probe',
        sku: `sku-${jobId}`,
        quantityDelta: 1,
        onHandAfter: 1,
        reason: 'CYCLE_COUNT',
        reference: null,
      },
    },
  };
}

/** Claims up to `limit` due jobs, marks them done by `loop`, and publishes one event each. */
function claimJobs(loop: string, limit = 5, slow?: () => Promise<void>) {
  return async ({ entityManager, now, publish }: DueWorkTransaction): Promise<number> => {
    const due: { id: number }[] = await entityManager.query(
      `SELECT id FROM ${SCHEMA}.jobs WHERE done_by IS NULL AND due_at <= $1 ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
      [now],
    );
    await slow?.();
    for (const { id } of due) {
      await entityManager.query(`UPDATE ${SCHEMA}.jobs SET done_by = $2 WHERE id = $1`, [id, loop]);
      await publish([event(id)]);
    }
    return due.length;
  };
}

async function addJobs(count: number, dueAt = new Date(0)): Promise<void> {
  await dataSource.query(`INSERT INTO ${SCHEMA}.jobs (due_at) SELECT $1 FROM generate_series(1, $2)`, [dueAt, count]);
}

const doneBy = async (): Promise<{ id: number; done_by: string | null }[]> => dataSource.query(`SELECT id, done_by FROM ${SCHEMA}.jobs ORDER BY id`);
const outboxRows = async (): Promise<number> => Number((await dataSource.query(`SELECT count(*) AS n FROM ${SCHEMA}.messaging_outbox`))[0].n);

beforeAll(async () => {
  database = await createTestDatabase('due work loop');
  dataSource = new DataSource({ type: 'postgres', url: database.url, migrations: [messagingMigration(SCHEMA)], synchronize: false });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query(`CREATE TABLE ${SCHEMA}.jobs (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, due_at timestamptz NOT NULL, done_by text)`);
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await dataSource.query(`TRUNCATE ${SCHEMA}.jobs, ${SCHEMA}.messaging_outbox RESTART IDENTITY`);
});

describe('DueWorkLoop', () => {
  it('acts on the due rows with their outbox rows in one transaction, and leaves rows not yet due', async () => {
    await addJobs(3);
    await addJobs(1, new Date('2999-01-01T00:00:00Z'));
    const loop = new DueWorkLoop({ name: 'probe', dataSource, outbox, logger: quiet, intervalMs: 20, claim: claimJobs('a') });
    loop.start();
    try {
      await eventually(async () => expect((await doneBy()).map((job) => job.done_by)).toEqual(['a', 'a', 'a', null]));
      expect(await outboxRows()).toBe(3);
    } finally {
      await loop.stop();
    }
  });

  it('with tickOnStart, ticks at once instead of after the first interval; stop() does not wait out the interval', async () => {
    await addJobs(1);
    const loop = new DueWorkLoop({ name: 'eager', dataSource, outbox, logger: quiet, intervalMs: 3_600_000, tickOnStart: true, claim: claimJobs('eager') });
    loop.start();
    try {
      await eventually(async () => expect((await doneBy()).map((job) => job.done_by)).toEqual(['eager']));
    } finally {
      await loop.stop();
    }
  });

  it('claims exclusively: two loops on the same rows act on each row once', async () => {
    await addJobs(40);
    // Each holds its claim a moment, so the two are in their transactions side by side; the first claim of each
    // waits until the other is in one too, so both act on rows however the machine schedules the two loops.
    const inClaim = new Set<string>();
    const sideBySide = (loop: string) => async () => {
      inClaim.add(loop);
      await eventually(() => expect(inClaim.size).toBe(2), 60_000, 5);
      await new Promise<void>((resolve) => setTimeout(resolve, 30));
    };
    const one = new DueWorkLoop({ name: 'one', dataSource, outbox, logger: quiet, intervalMs: 5, claim: claimJobs('one', 3, sideBySide('one')) });
    const two = new DueWorkLoop({ name: 'two', dataSource, outbox, logger: quiet, intervalMs: 5, claim: claimJobs('two', 3, sideBySide('two')) });
    one.start();
    two.start();
    try {
      await eventually(async () => expect((await doneBy()).filter((job) => job.done_by === null)).toEqual([]));
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
    const jobs = await doneBy();
    expect(jobs).toHaveLength(40);
    // One outbox row per job: none was acted on twice (a second claim would have published again).
    expect(await outboxRows()).toBe(40);
    expect(new Set(jobs.map((job) => job.done_by))).toEqual(new Set(['one', 'two']));
  });

  it('logs a failing batch, rolls it back, and tries it again at the next tick', async () => {
    await addJobs(2);
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    let failures = 1;
    const claim = claimJobs('retry');
    const loop = new DueWorkLoop({
      name: 'closing probe jobs',
      dataSource,
      outbox,
      logger: { error: (message, fields) => errors.push({ message, fields }) },
      intervalMs: 20,
      claim: async (tx) => {
        const handled = await claim(tx);
        if (failures-- > 0) throw new Error('broker of the mind is down');
        return handled;
      },
    });
    loop.start();
    try {
      await eventually(async () => expect((await doneBy()).map((job) => job.done_by)).toEqual(['retry', 'retry']));
    } finally {
      await loop.stop();
    }
    expect(errors).toEqual([{ message: 'closing probe jobs failed; retrying on the next tick', fields: { error: 'broker of the mind is down' } }]);
    // The failed tick's updates and outbox rows were rolled back: only the retry's remain.
    expect(await outboxRows()).toBe(2);
  });

  it('stop() waits for the tick in progress, and no tick starts after it', async () => {
    await addJobs(1);
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inTick = new Promise<void>((resolve) => (entered = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    let ticks = 0;
    const claim = claimJobs('slow');
    const loop = new DueWorkLoop({
      name: 'slow',
      dataSource,
      outbox,
      logger: quiet,
      intervalMs: 10,
      claim: async (tx) => {
        ticks++;
        entered();
        await held;
        return claim(tx);
      },
    });
    loop.start();
    await inTick;
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    // The tick in progress committed before stop() resolved.
    expect((await doneBy()).map((job) => job.done_by)).toEqual(['slow']);
    const ticksAtStop = ticks;
    await addJobs(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ticks).toBe(ticksAtStop);
  });

  it('per item: each item in its own transaction; one that fails is logged and does not hold back the others', async () => {
    await addJobs(3);
    const errors: { message: string; fields?: Record<string, unknown> }[] = [];
    const loop = new DueWorkLoop<number>({
      name: 'firing probe timers',
      dataSource,
      outbox,
      logger: { error: (message, fields) => errors.push({ message, fields }) },
      intervalMs: 1_000_000,
      due: async (em: EntityManager, now) => ((await em.query(`SELECT id FROM ${SCHEMA}.jobs WHERE done_by IS NULL AND due_at <= $1 ORDER BY id`, [now])) as { id: number }[]).map((row) => row.id),
      act: async ({ entityManager, publish }, id) => {
        const claimed: unknown[] = await entityManager.query(`SELECT id FROM ${SCHEMA}.jobs WHERE id = $1 AND done_by IS NULL FOR UPDATE SKIP LOCKED`, [id]);
        if (claimed.length === 0) return false;
        await entityManager.query(`UPDATE ${SCHEMA}.jobs SET done_by = 'item' WHERE id = $1`, [id]);
        await publish([event(id)]);
        if (id === 2) throw new Error('cannot fire this one');
        return true;
      },
      describe: (id) => ({ jobId: id }),
    });
    expect(await loop.tick()).toBe(2);
    expect((await doneBy()).map((job) => job.done_by)).toEqual(['item', null, 'item']);
    expect(await outboxRows()).toBe(2);
    expect(errors).toEqual([{ message: 'firing probe timers: one item failed; it stays due and is tried again at the next tick', fields: { jobId: 2, error: 'cannot fire this one' } }]);
  });

  it('as a Nest provider (dueWorkLoopProvider), starts with the application and stops before it closes', async () => {
    await addJobs(2);
    const logLines: string[] = [];
    let ticksAfterClose = 0;
    let closed = false;
    const claim = claimJobs('nest');
    @Module({
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: Outbox, useValue: outbox },
        { provide: ServiceLogger, useValue: new ServiceLogger({ service: 'probe', write: (line) => logLines.push(line) }) },
        { provide: 'LOOP_LABEL', useValue: 'nest' },
        dueWorkLoopProvider('PROBE_LOOP', ['LOOP_LABEL'], (label: string) => ({
          name: `closing ${label} jobs`,
          intervalMs: 10,
          claim: async (tx: DueWorkTransaction) => {
            if (closed) ticksAfterClose++;
            return claim(tx);
          },
        })),
      ],
    })
    class LoopModule {}
    const app = await NestFactory.createApplicationContext(LoopModule, { logger: false });
    try {
      expect(app.get('PROBE_LOOP')).toBeInstanceOf(DueWorkLoop);
      await eventually(async () => expect((await doneBy()).map((job) => job.done_by)).toEqual(['nest', 'nest']));
    } finally {
      await app.close();
      closed = true;
    }
    await addJobs(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ticksAfterClose).toBe(0);
    expect(logLines).toEqual([]);
  });
});
