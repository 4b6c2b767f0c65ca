import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** The workspace root (libs/service-kit/src → ../../..). */
const WORKSPACE_ROOT = path.resolve(__dirname, '../../..');

export interface ServiceProcess {
  /** The folder under services/. */
  readonly service: string;
  /** The name the service reports itself by (its definition's name). */
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** The last lines the process wrote, for failure messages. */
  readonly output: string[];
  /** SIGTERM, and wait for a clean exit (the service drains first). */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing drained. */
  kill(): Promise<void>;
  /** Resolves with the exit code when the process ends, however it ends. */
  readonly exited: Promise<number | null>;
}

export interface StartServiceProcessOptions {
  /** Environment on top of this process's own (and SWC_NODE_PROJECT, LOG_LEVEL=warn). */
  readonly env?: NodeJS.ProcessEnv;
  /** The name it announces itself by when ready, if not the folder's (e.g. carrier-<id> for an adapter). */
  readonly readyName?: string;
  readonly timeoutMs?: number;
  /** Each line the process writes, besides keeping the last ones. */
  readonly onLine?: (line: string) => void;
  /**
   * Its own process group: a Ctrl-C in the terminal then reaches only the parent, which stops its services in
   * order (front door and traffic first) instead of every process draining at once.
   */
  readonly detached?: boolean;
}

/**
 * Starts `services/<service>` as its own Node process, as `nx serve` does, and resolves once it prints that it
 * is ready (`<name> ready at <url>`). A process that exits or stays silent fails with its own output.
 */
export function startServiceProcess(service: string, options: StartServiceProcessOptions = {}): Promise<ServiceProcess> {
  const { env = {}, readyName = service, timeoutMs = 90_000, onLine, detached = false } = options;
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', path.join('services', service, 'src', 'main.ts')], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const output: string[] = [];
  const exited: Promise<number | null> = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.length === 0) continue;
      output.push(line);
      onLine?.(line);
    }
    if (output.length > 5_000) output.splice(0, output.length - 5_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  return new Promise((resolve, reject) => {
    const ready = new RegExp(`^${readyName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ready at (http://\\S+)`);
    const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs / 1000} s`), timeoutMs);
    const onEarlyExit = (code: number | null): void => fail(`exited with code ${code} before it was ready`);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`service ${service} ${why}. Its output:\n${output.slice(-60).join('\n')}`));
    };
    child.once('exit', onEarlyExit);
    const watch = (): void => {
      const line = output.find((l) => ready.test(l));
      if (!line) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      child.stderr?.off('data', watch);
      resolve({
        service,
        name: readyName,
        url: ready.exec(line)?.[1] ?? '',
        pid: child.pid ?? -1,
        output,
        exited,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stderr?.on('data', watch);
  });
}
