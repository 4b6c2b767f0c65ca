import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  /** Everything the process wrote, for failure messages. */
  readonly output: string[];
  /** SIGTERM, and wait for a clean exit (the service drains first). */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, nothing drained. */
  kill(): Promise<void>;
}

/**
 * Starts `services/<name>` as its own Node process, as `nx serve` does, and resolves with its URL once it
 * prints that it is ready. A process that exits or stays silent fails with its own output.
 */
export function startServiceProcess(name: string, env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', path.join('services', name, 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let exited: Promise<number | null> = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
    if (output.length > 5_000) output.splice(0, output.length - 5_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  return new Promise((resolve, reject) => {
    const ready = new RegExp(`^${name} ready at (http://\\S+)`);
    const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`service ${name} ${why}. Its output:\n${output.slice(-60).join('\n')}`));
    };
    child.once('exit', (code) => fail(`exited with code ${code} before it was ready`));
    const watch = (): void => {
      const line = output.find((l) => ready.test(l));
      if (!line) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      exited = new Promise((done) => (child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));
      child.stderr?.off('data', watch);
      const url = ready.exec(line)?.[1] ?? '';
      resolve({
        name,
        url,
        output,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (child.exitCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stderr?.on('data', watch);
  });
}
