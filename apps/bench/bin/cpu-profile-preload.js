// Preloaded (NODE_OPTIONS=--require) into the platform's service processes by `npm run bench -- --cpu-prof`:
// Node 20 refuses --cpu-prof in NODE_OPTIONS, so this does the same with the inspector's sampling profiler and
// writes CPU.<date>.<time>.<pid>.0.001.cpuprofile into $BENCH_CPU_PROF_DIR when the process exits. Profiling starts
// on SIGUSR2, which the bench sends when its measured run begins (start-up and warm-up stay out of the profile).
'use strict';
const { Session } = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.start');
  });
  let written = false;
  process.on('exit', () => {
    if (written || !started) return;
    written = true;
    // Same-thread inspector sessions answer synchronously, so this works inside 'exit'.
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      const [date, time] = new Date().toISOString().replace(/[-:]/g, '').split(/[T.]/);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `CPU.${date}.${time}.${process.pid}.0.001.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
