// Profiling this process (the embedded platform runs in it) with the inspector's sampling profiler; the Kafka
// mode's service processes are profiled with `node --cpu-prof` instead (see target.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import type { CpuProfile } from './profile';

export class InProcessProfiler {
  private readonly session = new Session();

  private post<T>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => this.session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  }

  async start(): Promise<void> {
    this.session.connect();
    await this.post('Profiler.enable');
    await this.post('Profiler.start');
  }

  /** Stops and writes the profile into `dir`, named as `node --cpu-prof` names its files; returns the file and the profile. */
  async stop(dir: string): Promise<{ file: string; profile: CpuProfile }> {
    const { profile } = await this.post<{ profile: CpuProfile }>('Profiler.stop');
    this.session.disconnect();
    mkdirSync(dir, { recursive: true });
    const [date, time] = new Date().toISOString().replace(/[-:]/g, '').split(/[T.]/);
    const file = path.join(path.resolve(dir), `CPU.${date}.${time}.${process.pid}.0.001.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return { file, profile };
  }
}
