import { Controller, Get, HttpException, INestApplication, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { operatorKeyGuard, type OperatorKeyGuardOptions } from './operator-key';
import { SERVICE_SETTINGS } from './start-service';

// The guard in a real Nest HTTP application, asked over HTTP: what a client of any operator endpoint meets.
const KEY = 'an-operator-key-of-thirty-two-characters-or-more';
const OFF = 'the ops endpoints are off: start the service with PROBE_OPERATOR_KEY set';

async function startApp(settings: Record<string, unknown>, options?: OperatorKeyGuardOptions): Promise<{ app: INestApplication; url: string }> {
  @Controller('ops')
  @UseGuards(operatorKeyGuard('PROBE_OPERATOR_KEY', OFF, options))
  class OpsController {
    @Get()
    ops() {
      return { ok: true };
    }
  }
  @Module({ controllers: [OpsController], providers: [{ provide: SERVICE_SETTINGS, useValue: settings }] })
  class ProbeModule {}

  const app = await NestFactory.create(ProbeModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: `${await app.getUrl()}/ops` };
}

const ask = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers });
  return { status: response.status, authenticate: response.headers.get('www-authenticate'), body: (await response.json()) as Record<string, unknown> };
};

describe('operatorKeyGuard', () => {
  describe('with the key set', () => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => ({ app, url } = await startApp({ PROBE_OPERATOR_KEY: KEY })));
    afterAll(() => app?.close());

    it('lets the right key in', async () => {
      expect(await ask(url, { authorization: `Bearer ${KEY}` })).toMatchObject({ status: 200, body: { ok: true } });
      // The scheme is case-insensitive (RFC 7235), surrounding spaces are not part of the key.
      expect((await ask(url, { authorization: `bearer   ${KEY} ` })).status).toBe(200);
    });

    it('refuses a wrong, a missing and a malformed key alike with 401, saying how to send it', async () => {
      const answers = [
        await ask(url, { authorization: `Bearer ${KEY}x` }),
        await ask(url, { authorization: `Bearer ${KEY.slice(1)}` }),
        await ask(url),
        await ask(url, { authorization: KEY }),
        await ask(url, { authorization: `Basic ${Buffer.from(`ops:${KEY}`).toString('base64')}` }),
      ];
      expect(answers.map((a) => [a.status, a.authenticate])).toEqual(Array(answers.length).fill([401, 'Bearer']));
      expect(answers[0].body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'send the operator key as "Authorization: Bearer <PROBE_OPERATOR_KEY>"' });
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    });

    it('takes no key from another header unless the service names one', async () => {
      expect((await ask(url, { 'x-api-key': KEY })).status).toBe(401);
    });
  });

  describe('without the key set', () => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => ({ app, url } = await startApp({})));
    afterAll(() => app?.close());

    it('answers 503 naming the setting, whatever the request sends', async () => {
      for (const headers of [{}, { authorization: `Bearer ${KEY}` }, { authorization: 'Bearer anything' }] as Record<string, string>[]) {
        expect(await ask(url, headers)).toEqual({ status: 503, authenticate: null, body: { statusCode: 503, error: 'Service Unavailable', message: OFF } });
      }
      expect(OFF).toContain('PROBE_OPERATOR_KEY');
    });
  });

  describe("with a service's own header and error shape", () => {
    const options: OperatorKeyGuardOptions = { keyHeader: 'X-Api-Key', error: (status, message) => new HttpException({ errors: [{ path: 'Authorization', problem: message }] }, status) };
    let app: INestApplication;
    let off: INestApplication;
    let url: string;
    let offUrl: string;
    beforeAll(async () => {
      ({ app, url } = await startApp({ PROBE_OPERATOR_KEY: KEY }, options));
      ({ app: off, url: offUrl } = await startApp({}, options));
    });
    afterAll(async () => {
      await app?.close();
      await off?.close();
    });

    it('takes the key from that header too, Authorization first', async () => {
      expect((await ask(url, { 'x-api-key': KEY })).status).toBe(200);
      expect((await ask(url, { 'x-api-key': ` ${KEY} ` })).status).toBe(200);
      expect((await ask(url, { 'x-api-key': 'wrong' })).status).toBe(401);
      // An Authorization header decides alone: a wrong one is not saved by a right X-Api-Key.
      expect((await ask(url, { authorization: 'Bearer wrong', 'x-api-key': KEY })).status).toBe(401);
    });

    it('answers in that shape', async () => {
      expect(await ask(url, { 'x-api-key': 'wrong' })).toEqual({
        status: 401,
        authenticate: 'Bearer',
        body: { errors: [{ path: 'Authorization', problem: 'send the operator key as "Authorization: Bearer <PROBE_OPERATOR_KEY>" or "X-Api-Key: <PROBE_OPERATOR_KEY>"' }] },
      });
      expect(await ask(offUrl, { 'x-api-key': KEY })).toEqual({ status: 503, authenticate: null, body: { errors: [{ path: 'Authorization', problem: OFF }] } });
    });
  });
});
