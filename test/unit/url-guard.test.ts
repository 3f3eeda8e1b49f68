import { assertPublicHttpUrl, isPrivateAddress } from '../../src/shared/url-guard';
import { AppError } from '../../src/shared/errors';

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.2.3.4', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd12::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', 'not-an-ip'])(
    '%s is refused',
    (a) => expect(isPrivateAddress(a)).toBe(true),
  );
  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '203.0.113.10', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is public', (a) => expect(isPrivateAddress(a)).toBe(false));
});

describe('assertPublicHttpUrl', () => {
  const opts = { allowPrivate: false, dnsTimeoutMs: 1000, field: 'mediaUrl' };
  const refused = async (url: string, o = opts) => (await assertPublicHttpUrl(url, o).then(() => undefined, (e: AppError) => e))?.code;

  it('refuses non-http schemes, private literals (also in decimal/hex form) and localhost names', async () => {
    for (const url of ['ftp://203.0.113.10/a', 'file:///etc/passwd', 'http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://[::1]/', 'http://localhost:6379/', 'http://api.localhost/']) {
      expect(await refused(url)).toBe('validation_failed');
    }
  });

  it('accepts public literals, and anything http(s) when private URLs are allowed', async () => {
    expect(await refused('https://203.0.113.10/a.jpg')).toBeUndefined();
    expect(await refused('http://127.0.0.1/a.jpg', { ...opts, allowPrivate: true })).toBeUndefined();
    expect(await refused('ftp://127.0.0.1/a.jpg', { ...opts, allowPrivate: true })).toBe('validation_failed');
  });
});
