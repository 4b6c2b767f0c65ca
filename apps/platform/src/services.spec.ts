import { platformServices } from './services';

describe('platform services', () => {
  it('gives every service its own name and schema', () => {
    const services = platformServices({});
    expect(new Set(services.map((s) => s.name)).size).toBe(services.length);
    expect(new Set(services.map((s) => s.schema)).size).toBe(services.length);
  });
});
