import { ConfigError, loadConfig, requireSecrets } from '../../src/shared/config';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('config', () => {
  it('runs on defaults with no variables set', () => {
    const c = loadConfig({});
    expect(c.SERVER_PORT).toBe(3001);
    expect(c.MESSAGE_WORKER_PORT).toBe(3002);
    expect(c.WEBHOOK_WORKER_PORT).toBe(3003);
    expect(c.BROADCAST_WORKER_PORT).toBe(3004);
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.QUEUE_PREFIX).toBe('wa');
    expect(c.WHATSAPP_DRIVER).toBe('baileys');
    expect(c.HOST).toBe('0.0.0.0');
    expect(c.WORKER_HOST).toBe('127.0.0.1');
  });

  it('names a bad port', () => {
    for (const bad of ['abc', '0', '70000', '-1', '3001.5']) {
      const err = errorOf({ WEBHOOK_WORKER_PORT: bad });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.variable).toBe('WEBHOOK_WORKER_PORT');
      expect(err.message).toContain('WEBHOOK_WORKER_PORT');
    }
  });

  it('names a bad URL', () => {
    expect(errorOf({ REDIS_URL: 'http://localhost:6379' }).variable).toBe('REDIS_URL');
    expect(errorOf({ REDIS_URL: 'not a url' }).message).toMatch(/REDIS_URL .*redis:/);
    expect(errorOf({ SUPABASE_FUNCTIONS_URL: 'ftp://x.y' }).variable).toBe('SUPABASE_FUNCTIONS_URL');
    expect(errorOf({ WA_WEBSOCKET_URL: 'https://web.whatsapp.com' }).variable).toBe('WA_WEBSOCKET_URL');
  });

  it('names other bad values', () => {
    expect(errorOf({ WHATSAPP_DRIVER: 'wuzapi' }).variable).toBe('WHATSAPP_DRIVER');
    expect(errorOf({ SANDBOX_FAILURE_RATE: '1.5' }).variable).toBe('SANDBOX_FAILURE_RATE');
    expect(errorOf({ API_KEY: 'short' }).variable).toBe('API_KEY');
    expect(errorOf({ QUEUE_PREFIX: 'has space' }).variable).toBe('QUEUE_PREFIX');
    expect(errorOf({ WA_VERSION: '2.3000' }).variable).toBe('WA_VERSION');
  });

  it('treats empty strings as unset', () => {
    const c = loadConfig({ REDIS_URL: '', SERVER_PORT: '', SUPABASE_FUNCTIONS_URL: '', API_KEY: '', WA_VERSION: '' });
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.SERVER_PORT).toBe(3001);
    expect(c.SUPABASE_FUNCTIONS_URL).toBeUndefined();
    expect(c.API_KEY).toBeUndefined();
  });

  it('parses WA_VERSION into a version triple', () => {
    expect(loadConfig({ WA_VERSION: '2.3000.1027934701' }).WA_VERSION).toEqual([2, 3000, 1027934701]);
  });

  it('requires the secrets a process needs', () => {
    const c = loadConfig({ API_KEY: 'a'.repeat(20) });
    expect(() => requireSecrets(c, ['API_KEY'])).not.toThrow();
    expect(() => requireSecrets(c, ['API_KEY', 'INTERNAL_TOKEN'])).toThrow(/INTERNAL_TOKEN/);
  });
});
