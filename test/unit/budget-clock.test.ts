import { parseQuietHours, quietUntil } from '../../src/budget/quiet-hours';
import { localDay, nextLocalMidnight } from '../../src/budget/daily-cap';

/** The budget's clock rules (server's local time), pure functions: no Redis, no waiting. */
const at = (h: number, m = 0) => new Date(2025, 7, 29, h, m);

describe('quiet hours', () => {
  it('wraps midnight and ends at the end hour', () => {
    const q = parseQuietHours('22-8');
    expect(quietUntil(q, at(21, 59))).toBeUndefined();
    expect(quietUntil(q, at(23))).toBe(new Date(2025, 7, 30, 8).getTime());
    expect(quietUntil(q, at(3))).toBe(new Date(2025, 7, 29, 8).getTime());
    expect(quietUntil(q, at(8))).toBeUndefined();
    expect(quietUntil(parseQuietHours('13-14'), at(13, 30))).toBe(at(14).getTime());
  });

  it('ignores values that are not two different hours 0-23', () => {
    for (const bad of ['25-3', '8-8', '22', 'x-y', '', undefined]) expect(parseQuietHours(bad)).toBeUndefined();
    expect(quietUntil(undefined, at(3))).toBeUndefined();
  });
});

describe('the day of the daily cap', () => {
  it('is the local day, and frees at the next local midnight', () => {
    expect(localDay(at(0))).toBe('2025-08-29');
    expect(localDay(new Date(2025, 7, 29, 23, 59, 59))).toBe('2025-08-29');
    expect(localDay(new Date(2025, 0, 5))).toBe('2025-01-05');
    expect(nextLocalMidnight(at(15))).toBe(new Date(2025, 7, 30).getTime());
    expect(nextLocalMidnight(at(0))).toBe(new Date(2025, 7, 30).getTime());
  });
});
