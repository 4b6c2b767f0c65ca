import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InfrastructureUnavailableError } from '../errors';
import { Log, stderrLog } from '../log';
import { freePort } from '../ports';
import { isAlive, runCommand, sleep, terminate } from '../process';
import { cacheDir, workspaceRoot } from '../workspace';
import { waitForKafka } from './wait-for-kafka';

export const DEFAULT_KAFKA_VERSION = '3.9.1';

export interface LocalBrokerOptions {
  /** Apache Kafka version fetched from Maven Central. */
  readonly version?: string;
  /** Partitions of a topic created without an explicit count. */
  readonly defaultPartitions?: number;
  /** JVM heap ceiling, e.g. "512m": the machine is shared with the services under test. */
  readonly maxHeap?: string;
  /** Start the JVM in its own process group so it outlives this process (for `infra:up`). */
  readonly detached?: boolean;
  readonly startTimeoutMs?: number;
  readonly log?: Log;
}

export interface LocalBroker {
  readonly brokers: string[];
  readonly pid: number;
  /** Folder of this run: configuration, data and logs; removed by stop(). */
  readonly runDir: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Java and Maven must be on PATH; say exactly which is missing and what to do instead. */
export function checkJavaToolchain(needMaven: boolean): void {
  const alternatives =
    'Or point KAFKA_BROKERS at an existing broker, or run where a Docker engine answers (Testcontainers is then used).';
  const java = runCommand('java', ['-version'], { timeoutMs: 30_000 });
  if (!java.found) {
    throw new InfrastructureUnavailableError(
      `Cannot start the local Kafka broker: Java is not installed (no "java" on PATH). Install a Java 17 runtime (e.g. "apt-get install openjdk-17-jre-headless"). ${alternatives}`,
    );
  }
  const major = /version "(\d+)(?:\.(\d+))?/.exec(java.output);
  const javaMajor = major ? (major[1] === '1' ? Number(major[2]) : Number(major[1])) : NaN;
  if (Number.isFinite(javaMajor) && javaMajor < 11) {
    throw new InfrastructureUnavailableError(
      `Cannot start the local Kafka broker: it needs Java 11 or newer (17 recommended) and "java -version" reports ${javaMajor}. ${alternatives}`,
    );
  }
  if (needMaven && !runCommand('mvn', ['-v'], { timeoutMs: 60_000 }).found) {
    throw new InfrastructureUnavailableError(
      `Cannot fetch the Kafka broker's jars: Maven is not installed (no "mvn" on PATH). Install Maven 3.8+ (e.g. "apt-get install maven"); it fetches org.apache.kafka:kafka_2.13 from Maven Central once into .cache/kafka. ${alternatives}`,
    );
  }
}

function libsDir(version: string): string {
  return cacheDir('kafka', version, 'libs');
}

/** Fetches the broker and its runtime dependencies with Maven, once; later calls reuse the cache. */
export async function ensureKafkaJars(version = DEFAULT_KAFKA_VERSION, log: Log = stderrLog): Promise<string> {
  const target = libsDir(version);
  if (existsSync(path.join(target, '.complete'))) return target;
  checkJavaToolchain(true);
  return withLock(cacheDir('kafka', `${version}.lock`), async () => {
    if (existsSync(path.join(target, '.complete'))) return target;
    const staging = `${target}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    const pom = path.join(workspaceRoot(), 'deploy', 'kafka-local', 'pom.xml');
    log(`fetching Apache Kafka ${version} from Maven Central (first run only) ...`);
    const started = Date.now();
    const result = runCommand('mvn', [
      '-q', '-B', '-f', pom,
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ]);
    if (result.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new InfrastructureUnavailableError(
        `Maven could not fetch org.apache.kafka:kafka_2.13:${version} (exit ${result.status}). Check network access to Maven Central. Maven said:\n${result.output.slice(-4000)}`,
      );
    }
    const jars = readdirSync(staging).filter((f) => f.endsWith('.jar'));
    if (!jars.some((f) => f.startsWith(`kafka_2.13-${version}`))) {
      throw new InfrastructureUnavailableError(`Maven finished but ${staging} holds no kafka_2.13-${version}.jar.`);
    }
    writeFileSync(path.join(staging, '.complete'), `${jars.length} jars\n`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true });
    renameSync(staging, target);
    log(`fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s into ${target}`);
    return target;
  });
}

/** A cross-process lock (a directory, atomic to create) so parallel test runs fetch the jars once. */
async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(lockPath), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockPath);
      writeFileSync(path.join(lockPath, 'pid'), String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSafe(path.join(lockPath, 'pid')));
      if (holder > 0 && !isAlive(holder)) rmSync(lockPath, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the lock ${lockPath}; remove it if no other run is fetching.`);
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface BrokerConfigInput {
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly defaultPartitions: number;
}

/** server.properties for one combined broker+controller node in KRaft mode, on loopback only. */
export function brokerProperties(input: BrokerConfigInput): string {
  const lines: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${input.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${input.brokerPort},CONTROLLER://127.0.0.1:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${input.brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': input.dataDir,
    'num.partitions': input.defaultPartitions,
    'offsets.topic.replication.factor': 1,
    // A single node: fewer internal partitions make the first consumer group and transaction start quickly.
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
    'group.initial.rebalance.delay.ms': 0,
    // Services create their topics (with their partition counts) at start; a typo must not create a topic.
    'auto.create.topics.enable': 'false',
  };
  return `${Object.entries(lines).map(([key, value]) => `${key}=${value}`).join('\n')}\n`;
}

function log4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // The state-change and request loggers are very chatty at INFO.
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.controller=WARN',
    '',
  ].join('\n');
}

/**
 * Starts a single-node Apache Kafka (KRaft) from its Maven Central jars on free loopback ports, with fresh
 * storage, and resolves once a client's metadata request succeeds.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const log = options.log ?? stderrLog;
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const libs = await ensureKafkaJars(version, log);
  checkJavaToolchain(false);

  const [brokerPort, controllerPort] = [await freePort(), await freePort()];
  const runDir = cacheDir('kafka', 'runs', `${brokerPort}-${process.pid}-${Date.now()}`);
  const dataDir = path.join(runDir, 'data');
  const logFile = path.join(runDir, 'server.log');
  mkdirSync(dataDir, { recursive: true });
  const serverProperties = path.join(runDir, 'server.properties');
  const log4jFile = path.join(runDir, 'log4j.properties');
  writeFileSync(serverProperties, brokerProperties({ brokerPort, controllerPort, dataDir, defaultPartitions: options.defaultPartitions ?? 3 }));
  writeFileSync(log4jFile, log4jProperties(logFile));

  const classpath = `${libs}/*`;
  const javaLog = `-Dlog4j.configuration=file:${log4jFile}`;
  const clusterId = runCommand('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], { timeoutMs: 60_000 });
  if (clusterId.status !== 0) throw new InfrastructureUnavailableError(`kafka.tools.StorageTool random-uuid failed:\n${clusterId.output}`);
  const format = runCommand(
    'java',
    [javaLog, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId.output.trim().split('\n').pop() ?? '', '-c', serverProperties],
    { timeoutMs: 60_000 },
  );
  if (format.status !== 0) throw new InfrastructureUnavailableError(`Formatting the broker's storage failed:\n${format.output}`);

  const stdoutFile = path.join(runDir, 'stdout.log');
  const out = openSync(stdoutFile, 'a');
  const child = spawn(
    'java',
    [`-Xms128m`, `-Xmx${options.maxHeap ?? '512m'}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', javaLog, '-cp', classpath, 'kafka.Kafka', serverProperties],
    { stdio: ['ignore', out, out], detached: options.detached ?? false },
  );
  closeSync(out);
  if (child.pid === undefined) throw new InfrastructureUnavailableError('Could not spawn java for the Kafka broker.');
  const pid = child.pid;
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exit code ${code ?? '-'}${signal ? `, signal ${signal}` : ''}`;
  });
  if (options.detached) child.unref();
  // A broker started for this process must not outlive it, whatever way it ends.
  const killOnExit = (): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  if (!options.detached) process.once('exit', killOnExit);

  const brokers = [`127.0.0.1:${brokerPort}`];
  log(`starting Apache Kafka ${version} (pid ${pid}) on ${brokers[0]}; log: ${logFile}`);
  const started = Date.now();
  try {
    await waitForKafka(brokers, {
      timeoutMs: options.startTimeoutMs ?? 90_000,
      abortIf: () => (exited ? `the broker process ended (${exited})` : undefined),
    });
  } catch (error) {
    await terminate(pid, 5_000);
    const tail = [readFileSafe(stdoutFile), readFileSafe(logFile)].join('\n').split('\n').slice(-40).join('\n');
    throw new InfrastructureUnavailableError(`${(error as Error).message}\nLast lines of the broker's output (${runDir}):\n${tail}`);
  }
  log(`Kafka ready on ${brokers[0]} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    stopped ??= terminate(pid).then(() => rmSync(runDir, { recursive: true, force: true }));
    return stopped;
  };
  return { brokers, pid, runDir, logFile, stop };
}
