/**
 * The one place Baileys is loaded. Baileys 7 is ESM only and this project compiles to CommonJS,
 * so it is reached through a dynamic import() (kept as a real import() by module node16), cached
 * so every session shares one module instance. Type-only imports elsewhere in this folder need
 * the resolution-mode attribute for the same reason.
 */
export type Baileys = typeof import('@whiskeysockets/baileys', { with: { 'resolution-mode': 'import' } });

let loading: Promise<Baileys> | undefined;

export function loadBaileys(): Promise<Baileys> {
  if (!loading) {
    loading = import('@whiskeysockets/baileys').catch((err: unknown) => {
      loading = undefined; // let a later call try again (e.g. a transient file system error)
      throw err;
    });
  }
  return loading;
}
