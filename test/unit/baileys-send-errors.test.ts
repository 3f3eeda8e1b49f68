import { classifySendError } from '../../src/whatsapp/baileys/send-errors';

/** Boom-shaped errors as Baileys throws them: output.statusCode, or data = a stanza's error code. */
const boom = (message: string, statusCode?: number, data?: unknown) => Object.assign(new Error(message), { isBoom: true, output: { statusCode }, data });

describe('Baileys send errors -> classified AppErrors', () => {
  it.each([
    [boom('rate-overlimit', 500, 429), 'rate_limited', true],
    [boom('forbidden', 500, 403), 'forbidden', false],
    [boom('Connection Closed', 428), 'instance_not_connected', true],
    [boom('item-not-found', 500, 404), 'invalid_recipient', false],
    [boom('not-authorized', 401), 'instance_not_connected', true],
    [boom('bad-request', 500, 400), 'bad_request', false],
    [boom('Timed Out', 408), 'transient', true],
    [new Error('socket hang up'), 'transient', true],
  ])('%s -> %s', (err, code, retryable) => {
    const e = classifySendError(err, 'i1');
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });

  it('tells the worker how long WhatsApp wants it to wait', () => {
    expect(classifySendError(boom('rate-overlimit', 500, 429), 'i1').retryAfterMs).toBeGreaterThan(0);
  });

  it("fails one recipient, not the account, for a group this number is not in (Baileys' group metadata 403)", () => {
    const e = classifySendError(boom('forbidden', 500, 403), 'i1', { group: true });
    expect(e).toMatchObject({ code: 'not_in_group', retryable: false, status: 403 });
    expect(classifySendError(boom('forbidden', 500, 403), 'i1', { group: false }).code).toBe('forbidden');
  });
});
