// The one waiting pattern of the stand-in: the first item (already there, or emitted later as
// `event` on `emitter`) that matches, or an error after timeoutMs.
export function waitEvent(emitter, event, existing, match, timeoutMs, what) {
  const found = existing.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const on = (item) => {
      if (!match(item)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(item);
    };
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`fake-wa: ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, on);
  });
}
