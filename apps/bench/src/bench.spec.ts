// One short real run: the platform in Kafka mode (every service its own process, on the shared test broker
// under a topic namespace of its own and a fresh database), a few orders a second for a few seconds through
// both intake paths, and every order accounted for. No timing is asserted: a loaded machine is slower, not wrong.
import { parseArgs } from './args';
import { benchMode } from './cli';

jest.setTimeout(300_000);

describe('npm run bench, for real', () => {
  it('follows every order it sends through the Kafka platform to exactly one terminal state', async () => {
    const options = parseArgs(['--mode', 'kafka', '--rate', '4', '--duration', '3s', '--via', 'mixed', '--skip-ceilings', '--warmup', '0', '--drain-timeout', '120s']);
    const report = await benchMode('kafka', options, null);

    expect(report.error).toBeNull();
    const run = report.run;
    if (!run) throw new Error('no run result');
    const { outcomes, duplicates, sent } = run.ledger;
    expect(sent).toBe(12);
    expect(run.sender.httpSent).toBe(6);
    expect(run.sender.topicSent).toBe(6);
    // Every order is in exactly one outcome, none lost, none twice.
    expect(outcomes.completed + outcomes.rejected + outcomes.cancelled + outcomes.parked + outcomes.refused + outcomes.lost).toBe(sent);
    expect(outcomes.lost).toBe(0);
    expect(outcomes.refused).toBe(0);
    expect(duplicates).toEqual([]);
    expect(run.failures).toEqual([]);
    // The demo mix orders mostly stocked SKUs: most orders complete, and completed ones were instructed first.
    expect(outcomes.completed).toBeGreaterThan(0);
    expect(run.ledger.latencies.fromIntended.instructed.count).toBeGreaterThanOrEqual(outcomes.completed);
    expect(run.ledger.latencies.fromIntended.completed.count).toBe(outcomes.completed);
    // The observer saw the events of the whole saga, and the sampler the platform's processes.
    expect(run.events.byType['OrderAccepted']).toBe(sent - outcomes.rejected);
    expect(run.events.byType['FulfilmentInstructed']).toBeGreaterThan(0);
    expect(run.processes.find((p) => p.name === 'orchestrator')?.cpuSeconds).toBeGreaterThan(0);
  });
});
