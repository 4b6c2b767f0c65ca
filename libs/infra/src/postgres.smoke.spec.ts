import { Client } from 'pg';
import { Column, DataSource, Entity, MigrationInterface, PrimaryColumn, QueryRunner } from 'typeorm';
import { checkPostgres, createTestDatabase, type TestDatabase } from './postgres';

@Entity({ name: 'smoke_location', schema: 'smoke' })
class SmokeLocation {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'integer', name: 'daily_capacity' })
  dailyCapacity!: number;
}

class CreateSmokeLocation1700000000000 implements MigrationInterface {
  name = 'CreateSmokeLocation1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA smoke');
    await queryRunner.query('CREATE TABLE smoke.smoke_location (id text PRIMARY KEY, daily_capacity integer NOT NULL CHECK (daily_capacity >= 0))');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP SCHEMA smoke CASCADE');
  }
}

// Proves the real PostgreSQL the harness provides: a database of its own, a TypeORM migration, a round trip.
describe('PostgreSQL smoke (real server, TypeORM migration)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('infra smoke');
    dataSource = new DataSource({
      type: 'postgres',
      url: database.url,
      entities: [SmokeLocation],
      migrations: [CreateSmokeLocation1700000000000],
      synchronize: false,
    });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('runs the migration once and records it', async () => {
    const first = await dataSource.runMigrations();
    const second = await dataSource.runMigrations();
    expect(first.map((m) => m.name)).toEqual(['CreateSmokeLocation1700000000000']);
    expect(second).toEqual([]);
    const recorded = await dataSource.query('SELECT name FROM migrations');
    expect(recorded).toEqual([{ name: 'CreateSmokeLocation1700000000000' }]);
  });

  it('writes and reads an entity through the migrated table', async () => {
    const repository = dataSource.getRepository(SmokeLocation);
    await repository.save({ id: 'LDN', dailyCapacity: 1200 });
    await expect(repository.findOneByOrFail({ id: 'LDN' })).resolves.toEqual({ id: 'LDN', dailyCapacity: 1200 });
  });

  it('enforces the constraints the migration declared', async () => {
    await expect(dataSource.getRepository(SmokeLocation).save({ id: 'BAD', dailyCapacity: -1 })).rejects.toThrow(/check constraint/);
  });

  it('drops the test database, leaving nothing behind', async () => {
    const throwaway = await createTestDatabase('throwaway');
    await throwaway.drop();
    const admin = new Client({ connectionString: process.env['DATABASE_URL'] });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [throwaway.name]);
      expect(rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('says how to start PostgreSQL when nothing answers', async () => {
    await expect(checkPostgres('postgres://postgres@127.0.0.1:1/postgres')).rejects.toThrow(/not answering at .*127\.0\.0\.1:1.*pg_ctlcluster/s);
  });
});
