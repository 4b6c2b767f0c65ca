import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The architecture's module boundaries are lint rules (eslint.config.mjs); these specs prove a deliberate
// violation is rejected, and that clean code passes, so the rules cannot silently stop working.
const root = path.resolve(__dirname, '..');

function projectsTagged(tag: string): string[] {
  return ['libs', 'services']
    .flatMap((dir) => (existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)).map((name) => `${dir}/${name}`) : []))
    .filter((projectRoot) => existsSync(path.join(root, projectRoot, 'project.json')))
    .filter((projectRoot) => (JSON.parse(readFileSync(path.join(root, projectRoot, 'project.json'), 'utf8')).tags ?? []).includes(tag));
}

// The Nx rule only judges files that are in the cached project graph, so lint code as the content of a file
// that exists.
function someSourceFile(projectRoot: string | undefined): string {
  const dir = path.join(root, projectRoot ?? 'missing', 'src');
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts')) : undefined;
  if (!file) throw new Error(`no source file in ${dir}`);
  return `${projectRoot}/src/${file}`;
}

describe('module boundaries', () => {
  const [domainRoot] = projectsTagged('type:domain');
  const [infraRoot] = projectsTagged('type:infra');
  let domainFile: string;
  let infraFile: string;

  beforeAll(() => {
    // `nx graph --file` is how a person sees the boundaries; it also refreshes the graph the lint rule reads.
    const graph = spawnSync(path.join(root, 'node_modules', '.bin', 'nx'), ['graph', `--file=tmp/project-graph.json`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (graph.status !== 0) throw new Error(`nx graph failed: ${graph.stdout}${graph.stderr}`);
    domainFile = someSourceFile(domainRoot);
    infraFile = someSourceFile(infraRoot);
  });

  // ESLint as a user runs it: its own process, the repository's config.
  async function ruleIdsFor(code: string, file: string): Promise<string[]> {
    const eslint = spawnSync(path.join(root, 'node_modules', '.bin', 'eslint'), ['--format', 'json', '--stdin', '--stdin-filename', file], {
      cwd: root,
      input: code,
      encoding: 'utf8',
      // Type-aware lint of one file is a few seconds, but minutes on a machine loaded with other runs; just below the test's own timeout.
      timeout: 170_000,
    });
    if (eslint.signal) throw new Error(`eslint was stopped by ${eslint.signal} (${eslint.error?.message ?? 'no error'}): ${eslint.stderr}`);
    if (!eslint.stdout.startsWith('[')) throw new Error(`eslint did not report (exit ${eslint.status}): ${eslint.stderr}`);
    const [result] = JSON.parse(eslint.stdout) as Array<{ messages: Array<{ ruleId: string | null; severity: number; message: string }> }>;
    return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
  }

  it('shows every project with its tags in the project graph', () => {
    const { graph } = JSON.parse(readFileSync(path.join(root, 'tmp', 'project-graph.json'), 'utf8')) as {
      graph: { nodes: Record<string, { data: { root: string; tags?: string[] } }> };
    };
    const tagsByRoot = Object.fromEntries(Object.values(graph.nodes).map((n) => [n.data.root, n.data.tags ?? []]));
    expect(tagsByRoot[domainRoot ?? 'missing']).toContain('type:domain');
    expect(tagsByRoot[infraRoot ?? 'missing']).toContain('type:infra');
  });

  it('rejects a framework import in a domain library', async () => {
    const errors = await ruleIdsFor("import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n", domainFile);
    expect(errors).toEqual([expect.stringMatching(/^@nx\/enforce-module-boundaries: .*@nestjs\/common/)]);
  });

  it('rejects I/O, the clock and randomness in a domain library', async () => {
    const errors = await ruleIdsFor(
      "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\nexport const b = Date.now();\nexport const c = Math.random();\n",
      domainFile,
    );
    expect(errors).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*node:fs.*Domain libraries do no I\/O/),
      expect.stringMatching(/^no-restricted-globals: .*Date/),
      expect.stringMatching(/^no-restricted-properties: .*Math\.random/),
    ]);
  });

  it('rejects a domain library depending on an infrastructure library', async () => {
    const errors = await ruleIdsFor("import { freePort } from '@switchyard/infra';\nexport const p = freePort;\n", domainFile);
    expect(errors).toEqual([expect.stringMatching(/^@nx\/enforce-module-boundaries: A project tagged with "type:domain" can only depend on libs tagged with "type:domain", "type:contracts"/)]);
  });

  it('accepts pure code in a domain library', async () => {
    await expect(ruleIdsFor('export const total = (a: number, b: number): number => a + b;\n', domainFile)).resolves.toEqual([]);
  });

  it('lets an infrastructure library use the framework and I/O', async () => {
    const errors = await ruleIdsFor("import { readFileSync } from 'node:fs';\nimport { Injectable } from '@nestjs/common';\nexport const x = [readFileSync, Injectable];\n", infraFile);
    expect(errors).toEqual([]);
  });
});
