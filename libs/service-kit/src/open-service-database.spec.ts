import { createTestDatabase, type TestDatabase } from '@switchyard/infra';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openServiceDatabase, type ServiceDefinition } from './start-service';

class CreateNotes1795000000700 implements MigrationInterface {
  name = 'CreateNotes1795000000700';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE kit_notes.notes (id integer PRIMARY KEY)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE kit_notes.notes`);
  }
}

class NotesModule {}
const notes: ServiceDefinition = { name: 'kit-notes', schema: 'kit_notes', module: NotesModule, consumes: [], migrations: [CreateNotes1795000000700] };

describe('openServiceDatabase', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('open service database');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('migrates as the service does (messaging tables, own migrations, own history table), once, with the pool asked for', async () => {
    const first = await openServiceDatabase(notes, { url: database.url, maxConnections: 3 });
    try {
      const tables: { table_name: string }[] = await first.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'kit_notes' ORDER BY table_name`);
      expect(tables.map((t) => t.table_name)).toEqual(['messaging_inbox', 'messaging_outbox', 'notes']);
      const [{ applied }] = await first.query(`SELECT count(*)::int AS applied FROM kit_notes_migrations`);
      expect(first.options.extra).toMatchObject({ max: 3 });
      // Opened again (the service after its CLI): nothing left to run.
      const second = await openServiceDatabase(notes, { url: database.url });
      try {
        expect(await second.query(`SELECT count(*)::int AS applied FROM kit_notes_migrations`)).toEqual([{ applied }]);
        expect(second.options.extra).toMatchObject({ max: 10 });
      } finally {
        await second.destroy();
      }
    } finally {
      await first.destroy();
    }
  });
});
