/**
 * Voice notes through the real ffmpeg (scripts/lib/apt-install.sh installs it for CI): an MP3 comes
 * out as Ogg/Opus (ffprobe reads the codec), with its duration and Baileys' 64-value waveform.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '../../src/shared/errors';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/shared/logger';
import { ffmpegAvailable, toVoiceNote } from '../../src/whatsapp/baileys/voice-note';
import { audioContent, SendingExtras } from '../../src/whatsapp/baileys/outbound-extra';

const dir = mkdtempSync(join(tmpdir(), 'voice-note-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 3 s of a 440 Hz tone, quiet for the first 1.5 s and loud after, as MP3 */
function mp3(): Buffer {
  const file = join(dir, 'tone.mp3');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-af', "volume='if(lt(t,1.5),0.2,1)':eval=frame", '-c:a', 'libmp3lame', '-b:a', '64k', file]);
  return readFileSync(file);
}

function probe(bytes: Buffer): { codec_name: string; channels: number; format: string } {
  const file = join(dir, `out-${Math.random()}.ogg`);
  writeFileSync(file, bytes);
  const out = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString());
  return { codec_name: out.streams[0].codec_name, channels: out.streams[0].channels, format: out.format.format_name };
}

describe('toVoiceNote (real ffmpeg)', () => {
  it('finds ffmpeg on PATH, and says so when a binary is missing', async () => {
    expect(await ffmpegAvailable()).toBe(true);
    expect(await ffmpegAvailable('/nonexistent/ffmpeg')).toBe(false);
  });

  it('turns an MP3 into mono Ogg/Opus with seconds and a waveform that follows the loudness', async () => {
    const note = await toVoiceNote(Readable.from([mp3()]), { timeoutMs: 20_000, maxBytes: 10_000_000 });
    expect(probe(note.audio)).toEqual({ codec_name: 'opus', channels: 1, format: 'ogg' });
    expect(note.seconds).toBe(3);
    const w = Array.from(note.waveform!);
    expect(w).toHaveLength(64);
    expect(Math.max(...w)).toBe(100);
    // the first half is at 0.2 of the volume of the second half
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(w.slice(4, 28))).toBeLessThan(30);
    expect(mean(w.slice(36, 60))).toBeGreaterThan(90);
  });

  it('refuses a file that is not audio with a non-retryable error naming the cause', async () => {
    const err = await toVoiceNote(Readable.from([Buffer.from('<html>not audio</html>')]), { timeoutMs: 20_000, maxBytes: 10_000_000 }).catch((e: AppError) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('bad_request');
    expect((err as AppError).message).toMatch(/could not be converted to a voice note/);
  });

  it('stops at the size cap', async () => {
    const err = await toVoiceNote(Readable.from([mp3()]), { timeoutMs: 20_000, maxBytes: 1000 }).catch((e: AppError) => e);
    expect((err as AppError).code).toBe('payload_too_large');
  });

  it('stops at the deadline when the input never ends', async () => {
    const endless = new Readable({ read() {} }); // never pushes: ffmpeg waits for input
    const err = await toVoiceNote(endless, { timeoutMs: 300, maxBytes: 10_000_000 }).catch((e: AppError) => e);
    expect((err as AppError).code).toBe('transient');
    expect((err as AppError).message).toMatch(/exceeded 300 ms/);
  });
});

describe('audioContent: voice notes with and without ffmpeg', () => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(mp3()));
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/recado.mp3`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  function extras(ffmpeg: string) {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m), info: () => undefined, debug: () => undefined } as unknown as Logger;
    const extra: SendingExtras = { baileys: {} as SendingExtras['baileys'], log, preview: { timeoutMs: 1000, allowPrivate: true, dnsTimeoutMs: 1000 }, voice: { timeoutMs: 20_000, maxBytes: 10_000_000, ffmpeg } };
    return { ctx: { jid: '5511999990001@s.whatsapp.net', media: { timeoutMs: 20_000, maxBytes: 10_000_000 }, extra }, warnings };
  }

  it('with ffmpeg: an Ogg/Opus ptt with seconds and waveform', async () => {
    const { ctx } = extras('ffmpeg');
    const c = (await audioContent({ type: 'audio', url, ptt: true }, ctx)) as unknown as { audio: Buffer; ptt: boolean; mimetype: string; seconds: number; waveform: Uint8Array };
    expect(c).toMatchObject({ ptt: true, mimetype: 'audio/ogg; codecs=opus', seconds: 3 });
    expect(c.waveform).toHaveLength(64);
    expect(probe(c.audio).codec_name).toBe('opus');
  });

  it('without ffmpeg: a plain audio file (ptt false, its own type), and one warning however many are sent', async () => {
    const { ctx, warnings } = extras('/nonexistent/ffmpeg');
    for (let i = 0; i < 2; i++) {
      const c = (await audioContent({ type: 'audio', url, ptt: true }, ctx)) as unknown as { audio: { stream: Readable }; ptt: boolean; mimetype: string };
      expect(c).toMatchObject({ ptt: false, mimetype: 'audio/mpeg' });
      const chunks: Buffer[] = [];
      for await (const chunk of c.audio.stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks)).toEqual(mp3());
    }
    expect(warnings).toEqual([expect.stringContaining('ffmpeg is not on PATH: voice notes (ptt) are sent as plain audio files')]);
  });
});
