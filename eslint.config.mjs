// Lint rules that keep the architecture honest (see docs/architecture.md, "Module boundaries").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import nx from '@nx/eslint-plugin';

// Projects tagged type:domain are pure: no framework, no I/O, no clock. Found from their project.json
// tags so the tag is the one place that says it.
const domainRoots = ['libs', 'services']
  .flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => `${dir}/${name}`) : []))
  .filter((root) => existsSync(`${root}/project.json`))
  .filter((root) => (JSON.parse(readFileSync(`${root}/project.json`, 'utf8')).tags ?? []).includes('type:domain'));

const ioModules = [
  'fs', 'fs/promises', 'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'cluster', 'worker_threads',
].flatMap((m) => [m, `node:${m}`]);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/.cache', '**/.nx', '**/coverage', '**/tmp'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    // Jest configs extend the workspace preset by path; they are configuration, not a project's code.
    ignores: ['**/jest.config.js'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:domain'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:domain'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:domain'] },
            // End-to-end suites start services as processes; they import only libraries.
            // The runnable platform (every service in one process, or each as its own) and the benchmark harness that drives it.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:app', 'type:service', 'type:infra', 'type:contracts', 'type:domain'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:domain'] },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
              bannedExternalImports: [
                '@nestjs/*', 'kafkajs', 'typeorm', 'pg', 'pg-*', 'express', 'testcontainers', '@testcontainers/*',
                '@opentelemetry/*', '@electric-sql/*', 'nodemailer',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  ...domainRoots.map((root) => ({
    files: [`${root}/src/**/*.ts`],
    ignores: [`${root}/src/**/*.spec.ts`],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'Domain libraries do no I/O: take the data as an argument instead.' })) }],
      'no-restricted-globals': ['error', { name: 'Date', message: 'Domain libraries take time from their input, never from the clock.' }, { name: 'setTimeout', message: 'Domain libraries do not schedule work.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Domain libraries are deterministic: pass a seed or a generator in.' }, { object: 'process', property: 'env', message: 'Domain libraries take configuration as arguments.' }],
    },
  })),
];
