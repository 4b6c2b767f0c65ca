import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const WORKSPACE_ROOT = path.resolve(__dirname, '../../../..');

export interface StartedPlatformProcess {
  readonly apiUrl: string;
  /** channel id → API key, as printed. */
  readonly keys: Record<string, string>;
  readonly operatorKey: string;
  /** Everything it printed so far. */
  readonly output: string[];
  /** SIGTERM to the platform's process, and its exit code (as npm passes it on). */
  stop(): Promise<number | null>;
  /** SIGKILL to the whole process group: a crash, nothing drained. */
  kill(): Promise<void>;
}

/** The end of the platform's own log (in its --data-dir), for a failure message. */
function logTail(args: readonly string[]): string {
  const at = args.indexOf('--data-dir');
  const file = at >= 0 ? path.join(args[at + 1] as string, 'platform.log') : undefined;
  if (!file || !existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"') || l.includes('held the database'));
  return `\nWarnings and errors in ${file}:\n${lines.slice(-30).join('\n')}`;
}

/**
 * Whether a process of group `pgid` still runs. One killed but not reaped yet (a zombie: its parent died with it,
 * in a container whose first process does not reap) has stopped running and does not count. Linux /proc; where
 * there is none, nothing is known to run.
 */
function groupRuns(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so the fields start after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

function withoutInfrastructure(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, KAFKA_BROKERS: _kafka, ...rest } = env;
  return rest;
}

/**
 * Runs `npm start -- <args>` exactly as a user would, in its own process group (npm runs the platform as a
 * child; signals go to the group), and resolves once the banner with the API URL and keys is printed. A start
 * took about 95 s in a loaded CI run (compiling, the embedded database, every service's migrations): hence the
 * generous default.
 */
export function startPlatformProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000): Promise<StartedPlatformProcess> {
  const child: ChildProcess = spawn('npm', ['start', '--', ...args], {
    cwd: WORKSPACE_ROOT,
    // As on a fresh machine: the test run's DATABASE_URL and KAFKA_BROKERS would turn the embedded database off.
    env: { ...withoutInfrastructure(process.env), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // The group is gone already.
    }
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not print its banner within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      clearInterval(poll);
      signalGroup('SIGKILL');
      reject(new Error(`npm start ${args.join(' ')} ${why}. Its output:\n${output.slice(-40).join('\n')}${logTail(args)}`));
    };
    const onEarlyExit = (code: number | null): void => fail(`exited with code ${code} before it was ready`);
    child.once('exit', onEarlyExit);
    const poll = setInterval(() => {
      if (!output.some((l) => /^ready in /.test(l))) return;
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onEarlyExit);
      const api = output.map((l) => /^\s+API\s+(http:\/\/\S+)\/v1\/orders$/.exec(l)?.[1]).find((u) => u !== undefined);
      const keys = Object.fromEntries(output.flatMap((l) => { const m = /^\s+channel (\S+)\s+key (\S+)$/.exec(l); return m ? [[m[1], m[2]]] : []; }));
      const operatorKey = output.map((l) => /^\s+operator key\s+(\S+)$/.exec(l)?.[1]).find((k) => k !== undefined);
      const pid = Number(output.map((l) => /^Switchyard is running \(.*; pid (\d+)\)\.$/.exec(l)?.[1]).find((p) => p !== undefined));
      if (!api || !operatorKey || Object.keys(keys).length === 0 || !Number.isInteger(pid)) {
        fail('printed a banner without the API URL, operator key, channel keys or pid');
        return;
      }
      resolve({
        apiUrl: api,
        keys,
        operatorKey,
        output,
        stop: async () => {
          // The platform itself, as Ctrl-C would reach it; npm then exits with its exit code.
          process.kill(pid, 'SIGTERM');
          return exited;
        },
        kill: async () => {
          signalGroup('SIGKILL');
          // npm may be gone already; the group's processes die with SIGKILL either way. Resolves once none of
          // them runs any more, so that what starts next on the same data folder never meets one still going.
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
          const deadline = Date.now() + 30_000;
          while (groupRuns(child.pid as number) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        },
      });
    }, 100);
  });
}
