import type { TestEvent } from '../helpers/env';
import IORedis from 'ioredis';
import { REDIS_URL, sleep, waitFor } from '../helpers/env';
import { MessagingStack } from '../helpers/messaging-stack';
import { redisKeys } from '../../src/shared/keys';
import { CircuitBreaker } from '../../src/pacing/circuit-breaker';
import { AppError } from '../../src/shared/errors';

const stack = new MessagingStack('circuit');
const redis = new IORedis(REDIS_URL);

afterAll(async () => {
  redis.disconnect();
  await stack.stop();
});

describe('CircuitBreaker (real Redis)', () => {
  const events: TestEvent[] = [];
  const make = () => new CircuitBreaker(redis, redisKeys(stack.prefix), { threshold: 3, pauseMs: 300, publish: (e) => events.push(e) });

  it('opens after N consecutive failures, reports it, refuses while open, and closes after the pause', async () => {
    const breaker = make();
    const other = make(); // another process's view of the same instance
    expect((await breaker.recordFailure('i-1')).open).toBe(false);
    expect((await breaker.recordFailure('i-1')).open).toBe(false);
    const opened = await breaker.recordFailure('i-1', 'transient: boom');
    expect(opened).toMatchObject({ open: true, failures: 3 });
    expect(await other.isOpen('i-1')).toBe(true);
    const refused = await other.assertClosed('i-1').then(() => undefined, (e: AppError) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused?.code).toBe('circuit_open');
    expect((refused as unknown as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect(events.map((e) => [e.type, e.instanceId, e.data.state])).toEqual([['instance.circuit', 'i-1', 'open']]);
    expect(events[0].data).toMatchObject({ failures: 3, reason: 'transient: boom' });

    // nobody sends meanwhile: the opener's timer still reports the close, exactly once
    await waitFor(() => events.length === 2, { what: 'close event' });
    expect(events[1]).toMatchObject({ type: 'instance.circuit', instanceId: 'i-1', data: { state: 'closed' } });
    expect(await other.isOpen('i-1')).toBe(false);
    await sleep(50);
    expect(events).toHaveLength(2);
    breaker.close();
    other.close();
  });

  it('is half-open after the pause: one failure reopens, a success resets the count', async () => {
    const breaker = make();
    for (let i = 0; i < 3; i++) await breaker.recordFailure('i-2');
    await sleep(320);
    expect((await breaker.recordFailure('i-2')).open).toBe(true);
    await sleep(320);
    const state = await breaker.assertClosed('i-2');
    await breaker.recordSuccess('i-2', state.failures);
    expect((await breaker.recordFailure('i-2')).failures).toBe(1);
    breaker.close();
  });
});

describe('circuit breaker in message-worker', () => {
  beforeAll(async () => {
    await stack.start({ SANDBOX_FAILURE_RATE: 1, CIRCUIT_FAILURE_THRESHOLD: 3, CIRCUIT_PAUSE_MS: 800, MESSAGE_ATTEMPTS: 4, MESSAGE_BACKOFF_MS: 20 });
    await stack.createInstance('flaky-1');
  });

  it('opens after repeated send failures, holds the message while open, and fails it after its last attempt', async () => {
    const res = await stack.call('POST', '/queue/add-message', { instanceId: 'flaky-1', phone: '5511999990001', message: 'oi' });
    expect(res.status).toBe(202);
    const id = res.body.messageId;
    const opened = await waitFor(async () => (await stack.events('instance.circuit')).find((e) => e.data.state === 'open'), { what: 'open event' });
    expect(opened).toMatchObject({ instanceId: 'flaky-1', data: { failures: 3, threshold: 3 } });
    const whileOpen = (await stack.call('GET', `/messages/${id}`)).body.message;
    expect(whileOpen.status).toBe('sending');
    expect(whileOpen.attempts).toBe(3);
    expect(whileOpen.lastError.code).toBe('transient');

    const failed = await waitFor(async () => {
      const m = (await stack.call('GET', `/messages/${id}`)).body.message;
      return m.status === 'failed' ? m : undefined;
    }, { timeoutMs: 15_000, what: 'failed' });
    // the wait for the open circuit was not counted: 4 real attempts
    expect(failed.attempts).toBe(4);
    expect(failed.error.code).toBe('transient');
    const circuit = (await stack.events('instance.circuit')).map((e) => e.data.state);
    expect(circuit.slice(0, 3)).toEqual(['open', 'closed', 'open']);
    expect(await stack.sendLog()).toHaveLength(0);
    const event = await waitFor(async () => (await stack.events('message.failed')).find((e) => e.data.messageId === id), { what: 'message.failed' });
    expect(event.data).toMatchObject({ attempts: 4, error: { code: 'transient' } });
  });
});
