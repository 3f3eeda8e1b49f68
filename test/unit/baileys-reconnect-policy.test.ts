import {
  backoffDelay,
  CloseInput,
  decideOnClose,
  DEFAULT_RECONNECT_OPTIONS as OPTS,
  emptyHistory,
  historyAfterOpen,
  QR_ENDED_MESSAGE,
} from '../../src/whatsapp/baileys/reconnect-policy';

const T0 = 1_700_000_000_000;
const close = (over: Partial<CloseInput> = {}): CloseInput => ({ hasError: true, closing: false, linked: true, now: T0, random: 0.5, ...over });

describe('baileys reconnect policy', () => {
  test('401 loggedOut deletes the auth state and stops', () => {
    const d = decideOnClose(close({ code: 401, message: 'Connection Failure' }), emptyHistory());
    expect(d).toMatchObject({ action: 'stop', status: 'logged_out', reason: 'logged_out', deleteAuth: true });
  });

  test('515 restartRequired reconnects at once', () => {
    const d = decideOnClose(close({ code: 515 }), emptyHistory());
    expect(d).toMatchObject({ action: 'reconnect', status: 'reconnecting', reason: 'restart_required', delayMs: 0, deleteAuth: false });
  });

  test('405 refreshes the WhatsApp Web version, then reconnects', () => {
    const d = decideOnClose(close({ code: 405 }), emptyHistory());
    expect(d).toMatchObject({ action: 'reconnect', reason: 'version_refused', refreshVersion: true, deleteAuth: false });
    expect(d.delayMs).toBeGreaterThan(0);
  });

  test('408 "QR refs attempts ended" on an unpaired instance -> qr_expired, stop', () => {
    const d = decideOnClose(close({ code: 408, message: QR_ENDED_MESSAGE, linked: false }), emptyHistory());
    expect(d).toMatchObject({ action: 'stop', status: 'qr_expired', reason: 'qr_expired', deleteAuth: false });
  });

  test('408 timeouts otherwise reconnect with backoff', () => {
    const lost = decideOnClose(close({ code: 408, message: 'Connection was lost' }), emptyHistory());
    expect(lost).toMatchObject({ action: 'reconnect', reason: 'connection_error' });
    const unpairedTimeout = decideOnClose(close({ code: 408, message: 'Timed Out', linked: false }), emptyHistory());
    expect(unpairedTimeout.action).toBe('reconnect');
  });

  test.each([
    [403, 'forbidden'],
    [411, 'multidevice_mismatch'],
  ])('%i stops as failed (%s) and keeps the credentials', (code, reason) => {
    const d = decideOnClose(close({ code }), emptyHistory());
    expect(d).toMatchObject({ action: 'stop', status: 'failed', reason, deleteAuth: false });
  });

  test('closing on purpose or a close without an error does nothing', () => {
    expect(decideOnClose(close({ code: 428, closing: true }), emptyHistory())).toMatchObject({ action: 'none', status: 'disconnected' });
    expect(decideOnClose(close({ hasError: false }), emptyHistory())).toMatchObject({ action: 'none', reason: 'intentional' });
    expect(decideOnClose(close({ code: 401, closing: true }), emptyHistory()).deleteAuth).toBe(false);
  });

  test.each([428, 500, 503, undefined])('%s reconnects with backoff', (code) => {
    const d = decideOnClose(close({ code }), emptyHistory());
    expect(d).toMatchObject({ action: 'reconnect', reason: 'connection_error', deleteAuth: false });
    expect(d.history.attempt).toBe(1);
  });

  test('backoff grows, has jitter and a cap; it restarts after an open', () => {
    let h = emptyHistory();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const d = decideOnClose(close({ code: 428, now: T0 + i * OPTS.loopWindowMs * 2, random: 0.99 }), h);
      delays.push(d.delayMs);
      h = d.history;
    }
    expect(delays[1]).toBeGreaterThan(delays[0]);
    expect(delays[3]).toBeGreaterThan(delays[2]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(OPTS.maxDelayMs);
    expect(delays[7]).toBeGreaterThan(OPTS.maxDelayMs * 0.9);
    expect(backoffDelay(2, 0, OPTS)).toBe(2000); // 4 s step, lowest jitter = half
    expect(backoffDelay(2, 0.999, OPTS)).toBeGreaterThan(3990);
    const afterOpen = decideOnClose(close({ code: 428, now: T0 + 100 * OPTS.loopWindowMs, random: 0.99 }), historyAfterOpen(h));
    expect(afterOpen.delayMs).toBeLessThanOrEqual(OPTS.baseDelayMs);
  });

  test('440 once reconnects after a delay; 440 again within the window -> failed, credentials kept', () => {
    const first = decideOnClose(close({ code: 440 }), emptyHistory());
    expect(first).toMatchObject({ action: 'reconnect', reason: 'connection_replaced' });
    expect(first.delayMs).toBeGreaterThanOrEqual(OPTS.baseDelayMs);
    const second = decideOnClose(close({ code: 440, now: T0 + 60_000 }), first.history);
    expect(second).toMatchObject({ action: 'stop', status: 'failed', reason: 'connection_replaced_loop', loop: true, deleteAuth: false });
    const late = decideOnClose(close({ code: 440, now: T0 + OPTS.loopWindowMs + 1 }), first.history);
    expect(late.action).toBe('reconnect');
  });

  test('too many closes inside the window trip the loop guard without deleting credentials', () => {
    let h = emptyHistory();
    let d = decideOnClose(close({ code: 428 }), h);
    for (let i = 1; i <= OPTS.loopMaxCloses; i++) {
      h = historyAfterOpen(d.history); // even if each socket opened in between
      d = decideOnClose(close({ code: i % 2 ? 500 : 515, now: T0 + i * 1000 }), h);
    }
    expect(d).toMatchObject({ action: 'stop', status: 'failed', reason: 'reconnect_loop', loop: true, deleteAuth: false });
    const spread = decideOnClose(close({ code: 428, now: T0 + 2 * OPTS.loopWindowMs }), h);
    expect(spread.action).toBe('reconnect');
  });
});
