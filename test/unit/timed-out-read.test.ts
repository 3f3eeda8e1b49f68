import { READ_ATTEMPTS, retryTimedOutRead } from '../../src/whatsapp/baileys/timed-out-read';

const failingTimes = (n: number, message: string) => {
  let calls = 0;
  const read = async () => {
    calls++;
    if (calls <= n) throw new Error(message);
    return 'value';
  };
  return { read, calls: () => calls };
};

describe('retryTimedOutRead', () => {
  it('asks again after a command timeout and answers the value', async () => {
    const r = failingTimes(READ_ATTEMPTS - 1, 'Command timed out');
    await expect(retryTimedOutRead(r.read)).resolves.toBe('value');
    expect(r.calls()).toBe(READ_ATTEMPTS);
  });

  it('gives up after READ_ATTEMPTS timeouts', async () => {
    const r = failingTimes(READ_ATTEMPTS, 'Command timed out');
    await expect(retryTimedOutRead(r.read)).rejects.toThrow('Command timed out');
    expect(r.calls()).toBe(READ_ATTEMPTS);
  });

  it('fails at once on any other error (Redis away)', async () => {
    const r = failingTimes(1, "Stream isn't writeable and enableOfflineQueue options is false");
    await expect(retryTimedOutRead(r.read)).rejects.toThrow("Stream isn't writeable");
    expect(r.calls()).toBe(1);
  });
});
