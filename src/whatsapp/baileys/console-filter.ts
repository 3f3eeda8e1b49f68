/**
 * libsignal (Baileys' Signal implementation) writes straight to console.* and bypasses every
 * logger: "Closing session:" / "Opening session:" / "Removing old closed session:" print the whole
 * SessionEntry, private ratchet keys included; decryption failures print stacks per message.
 * The prefixes below are the exact strings of node_modules/libsignal/src (session_record.js,
 * session_cipher.js, session_builder.js, queue_job.js, curve.js). Matching lines are dropped from
 * the console; only the prefix (never the arguments) is handed to `onDrop` for counting/debug.
 * Installed once per process; other console output passes through untouched.
 */
export const LIBSIGNAL_PREFIXES: readonly string[] = [
  'Closing session',
  'Opening session',
  'Removing old closed session',
  'Session already closed',
  'Session already open',
  'Migrating session to',
  'V1 session storage migration error',
  'Failed to decrypt message with any known session',
  'Session error',
  'Decrypted message with closed session',
  'Closing open session in favor of incoming prekey bundle',
  'Closing stale open session',
  'Unhandled bucket type',
  'WARNING: Expected pubkey of length 33',
];

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
type Method = (typeof METHODS)[number];

let installed: { restore: () => void; handlers: Set<(prefix: string) => void> } | undefined;

/** The matching prefix of a console call's first argument, if it is libsignal's. */
export function libsignalPrefix(first: unknown): string | undefined {
  if (typeof first !== 'string') return undefined;
  return LIBSIGNAL_PREFIXES.find((p) => first.startsWith(p));
}

/** Installs the filter (idempotent); returns a function that removes this caller's onDrop. */
export function installConsoleFilter(onDrop?: (prefix: string) => void): () => void {
  if (!installed) {
    const originals = new Map<Method, (...args: unknown[]) => void>();
    const handlers = new Set<(prefix: string) => void>();
    for (const m of METHODS) {
      const original = console[m].bind(console) as (...args: unknown[]) => void;
      originals.set(m, original);
      console[m] = (...args: unknown[]) => {
        const prefix = libsignalPrefix(args[0]);
        if (prefix === undefined) return original(...args);
        for (const h of handlers) {
          try {
            h(prefix);
          } catch {
            // a failing observer must not turn a dropped log line into a crash
          }
        }
      };
    }
    installed = {
      handlers,
      restore: () => {
        for (const [m, fn] of originals) console[m] = fn;
        installed = undefined;
      },
    };
  }
  const state = installed;
  if (onDrop) state.handlers.add(onDrop);
  return () => {
    if (onDrop) state.handlers.delete(onDrop);
  };
}

/** Test hook: puts the original console methods back. */
export function uninstallConsoleFilter(): void {
  installed?.restore();
}
