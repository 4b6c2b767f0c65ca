import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Drives the small Java program beside this file: builds it once into the git-ignored cache, then runs task batches.

const projectDir = __dirname;
const repoRoot = path.resolve(projectDir, '../../..');
export const buildDir = path.join(repoRoot, '.cache/contracts-java-interop');
const stampFile = path.join(buildDir, 'sources.sha256');

export type InteropTask =
  | { op: 'fingerprint'; schema: string }
  | { op: 'decode'; reader: string; message: string }
  | { op: 'encode'; schema: string; datum: unknown };

export interface InteropResult {
  canonical?: string;
  fingerprint?: string;
  datum?: unknown;
  message?: string;
  error?: string;
}

/** Builds the Java program unless the cache holds a build of these very sources; says whether it built and how long it took. */
export function ensureBuilt(): { built: boolean; seconds: number } {
  requireTool('java', ['-version']);
  const stamp = sourcesHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return { built: false, seconds: 0 };
  requireTool('mvn', ['-v']);
  const started = process.hrtime.bigint();
  const build = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', path.join(projectDir, 'pom.xml'), `-Dinterop.buildDir=${buildDir}`, 'process-classes'], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (build.status !== 0) {
    throw new Error(`Building the Java interop program failed (mvn exit ${build.status}). Maven needs network access to Maven Central the first time.\n${build.stdout}\n${build.stderr}`);
  }
  writeFileSync(stampFile, stamp);
  return { built: true, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Runs every task in one JVM; `schemas` lists every writer schema the decoder may meet. */
export function runJava(schemas: readonly string[], tasks: readonly InteropTask[]): InteropResult[] {
  const workDir = mkdtempSync(path.join(tmpdir(), 'contracts-interop-'));
  try {
    const requestFile = path.join(workDir, 'request.json');
    writeFileSync(requestFile, JSON.stringify({ schemas, tasks }));
    const classpath = [path.join(buildDir, 'classes'), path.join(buildDir, 'lib', '*')].join(path.delimiter);
    const run = spawnSync('java', ['-cp', classpath, 'dev.switchyard.interop.Interop', requestFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`The Java interop program failed (exit ${run.status}):\n${run.stderr}`);
    return JSON.parse(run.stdout) as InteropResult[];
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function requireTool(command: string, versionArgs: string[]): void {
  const probe = spawnSync(command, versionArgs, { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `The Java interop test needs \`${command}\` on PATH (Java 17+ and Maven 3.8+), and it was not found or did not run` +
        ` (${probe.error?.message ?? `exit ${probe.status}`}). Install them, e.g. \`apt-get install openjdk-17-jdk-headless maven\`, and run the test again.`,
    );
  }
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of [path.join(projectDir, 'pom.xml'), ...listFiles(path.join(projectDir, 'src'))]) {
    hash.update(path.relative(projectDir, file)).update(readFileSync(file));
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}
