/**
 * `npm test`: provides real Kafka and PostgreSQL once (see libs/infra), runs every project's Jest suite in one
 * Jest run against them, prints one closing line "tests: N passed, N failed", and stops what it started.
 *   npm test                      all projects
 *   npm test -- libs/infra        Jest arguments pass through (a path, -t <name>, ...)
 *   npm test -- --affected        only projects affected by the change (nx affected -t test)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { InfrastructureUnavailableError, provideTestInfrastructure, stderrLog, workspaceRoot, type TestInfrastructure } from '@switchyard/infra';

interface JestSummary {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numRuntimeErrorTestSuites: number;
  numTotalTestSuites: number;
}

function run(command: string, args: string[], onChild: (pid: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: workspaceRoot(), env: process.env });
    if (child.pid !== undefined) onChild(child.pid);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const affected = args.includes('--affected');
  const passThrough = args.filter((a) => a !== '--affected');
  const root = workspaceRoot();
  const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);

  let infrastructure: TestInfrastructure | undefined;
  let childPid: number | undefined;
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    stderrLog(`${signal}: stopping tests and infrastructure`);
    if (childPid !== undefined) process.kill(childPid, signal);
    void infrastructure?.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    infrastructure = await provideTestInfrastructure();
    stderrLog(`infrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Kafka: ${infrastructure.kafkaSource})`);
    if (affected) {
      return await run(bin('nx'), ['affected', '-t', 'test', '--outputStyle=stream', ...passThrough], (pid) => (childPid = pid));
    }
    const resultsDir = path.join(root, 'tmp', 'test-results');
    mkdirSync(resultsDir, { recursive: true });
    const resultsFile = path.join(resultsDir, 'jest.json');
    rmSync(resultsFile, { force: true });
    const code = await run(bin('jest'), ['--ci', '--json', `--outputFile=${resultsFile}`, ...passThrough], (pid) => (childPid = pid));
    let summary: JestSummary;
    try {
      summary = JSON.parse(readFileSync(resultsFile, 'utf8')) as JestSummary;
    } catch {
      stderrLog(`Jest wrote no results (exit ${code}); see its output above.`);
      return code === 0 ? 1 : code;
    }
    const failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
    const skipped = summary.numPendingTests + summary.numTodoTests;
    process.stdout.write(`\ntests: ${summary.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
    if (summary.numTotalTests === 0) {
      stderrLog('no test ran: that is a failure, not a pass.');
      return 1;
    }
    if (skipped > 0) {
      stderrLog(`${skipped} test(s) skipped or todo: a skipped test is a defect here.`);
      return code === 0 ? 1 : code;
    }
    return code;
  } finally {
    await infrastructure?.stop();
    stderrLog(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    stderrLog(`error: ${error instanceof InfrastructureUnavailableError ? error.message : (error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
