/**
 * Signal key reads that timed out are asked again. The server's Redis connection fails fast
 * (shared/redis.ts: commandTimeout 2 s, for HTTP handlers), and under a burst of inbound messages
 * (an offline backlog, the 100-session flood of bench/baileys-sessions.js) a reply can queue behind
 * thousands of auto-pipelined commands and a busy event loop for longer than that while Redis is
 * fine. A failed read inside Baileys' decrypt transaction (lib/Utils/auth-utils.js:166-185, not
 * retried; only the commit is, :141-160 commitWithRetry) fails the decrypt: the message arrives as a
 * CIPHERTEXT stub "Command timed out" (our message.undecryptable) and only comes back through a
 * retry receipt round trip. Measured: 1-2 of 20,000 at 50 sessions, 24 of 100,000 at 100
 * (BENCHMARKS.md "Baileys sessions", 2026-12-01); the auth state now has a connection with a longer
 * timeout (auth-redis.ts), and a read that still times out is asked again. A read has no effect, so
 * asking again is safe; any other error (Redis away: no offline queue, "Stream isn't writeable")
 * still fails at once.
 */
export const READ_ATTEMPTS = 3;

export async function retryTimedOutRead<T>(read: () => Promise<T>, attempts = READ_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      // ioredis' commandTimeout rejection (node_modules/ioredis/built/Command.js:195)
      if (attempt >= attempts || (err as Error)?.message !== 'Command timed out') throw err;
    }
  }
}
