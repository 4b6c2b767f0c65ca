import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const workspace = join(__dirname, '..', '..', '..', '..');

/** Another service as its own process, the way `nx serve` runs it; resolves once it printed that it is ready. */
export async function startServiceProcess(main: string, env: Record<string, string | undefined>): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: workspace,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/ ready at http/.test(output)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${main} exited with ${code} before it was ready:\n${output}`)));
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
