/**
 * Voice notes that play: WhatsApp's phones play a voice note (ptt) inline only when it is Ogg/Opus;
 * Baileys sends whatever bytes it gets under the label it is given. So audio sent as ptt is
 * transcoded here by ffmpeg (spawned, input streamed in, one pass with two outputs: the Ogg/Opus file
 * on stdout and 8 kHz mono PCM on fd 3 for the waveform and the duration), under a deadline and a
 * size cap. Baileys' own waveform (Utils/messages-media.js getAudioWaveform) needs the optional
 * `audio-decode`; `waveformOf` below computes the same 64 values from the PCM instead.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AppError } from '../../shared/errors';

export interface VoiceNoteOptions {
  /** the whole transcode (download included, it streams in) must finish within this */
  timeoutMs: number;
  /** cap of the Ogg/Opus result (MEDIA_MAX_BYTES) */
  maxBytes: number;
  /** the ffmpeg binary (default: `ffmpeg` on PATH) */
  ffmpeg?: string;
}

export interface VoiceNote {
  /** Ogg/Opus bytes */
  audio: Buffer;
  /** whole seconds, at least 1 (AudioMessage.seconds is a uint32) */
  seconds: number;
  /** 64 values 0..100, absent when the audio was too short or too long to collect */
  waveform?: Uint8Array;
}

/** PCM for the waveform: 8 kHz, 16-bit, channel 0 (Baileys reads getChannelData(0)). */
const PCM_RATE = 8000;
/** about 70 minutes of PCM; a longer note is still sent, without a waveform */
const PCM_MAX_BYTES = 64 * 1024 * 1024;

const probes = new Map<string, Promise<boolean>>();

/** Whether the ffmpeg binary runs (`ffmpeg -version` exits 0); asked once per binary per process. */
export function ffmpegAvailable(bin = 'ffmpeg'): Promise<boolean> {
  let p = probes.get(bin);
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      const child = spawn(bin, ['-hide_banner', '-version'], { stdio: 'ignore' });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
    probes.set(bin, p);
  }
  return p;
}

/**
 * Baileys' waveform (Utils/messages-media.js:196-229 getAudioWaveform) over 16-bit PCM: 64 blocks of
 * floor(n / 64) samples, the mean of |sample| per block, scaled so the loudest block is 1, then
 * floor(100 * v). Silence gives 64 zeros (Baileys would divide by zero there).
 */
export function waveformOf(pcm: Buffer): Uint8Array | undefined {
  const samples = 64;
  const n = Math.floor(pcm.length / 2);
  const blockSize = Math.floor(n / samples);
  if (blockSize === 0) return undefined;
  const filtered: number[] = [];
  for (let i = 0; i < samples; i++) {
    let sum = 0;
    for (let j = 0; j < blockSize; j++) sum += Math.abs(pcm.readInt16LE(2 * (blockSize * i + j)) / 32768);
    filtered.push(sum / blockSize);
  }
  const max = Math.max(...filtered);
  return new Uint8Array(filtered.map((v) => (max > 0 ? Math.floor((100 * v) / max) : 0)));
}

/** ffmpeg's arguments: input on stdin; output 1 Ogg/Opus mono on stdout, output 2 raw PCM on fd 3. */
export function ffmpegArgs(): string[] {
  return [
    '-hide_banner', '-loglevel', 'error',
    '-i', 'pipe:0',
    '-map', '0:a:0', '-vn', '-c:a', 'libopus', '-b:a', '32k', '-ac', '1', '-ar', '48000', '-application', 'voip', '-f', 'ogg', 'pipe:1',
    '-map', '0:a:0', '-vn', '-af', 'pan=mono|c0=c0', '-ar', String(PCM_RATE), '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:3',
  ];
}

/** Transcodes the audio stream to a voice note; AppError on a bad input, the deadline or the cap. */
export function toVoiceNote(input: Readable, opts: VoiceNoteOptions): Promise<VoiceNote> {
  return new Promise<VoiceNote>((resolve, reject) => {
    const child = spawn(opts.ffmpeg ?? 'ffmpeg', ffmpegArgs(), { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const ogg: Buffer[] = [];
    const pcm: Buffer[] = [];
    let oggBytes = 0;
    let pcmBytes = 0;
    let stderr = '';
    let failure: Error | undefined;
    const fail = (err: Error) => {
      failure ??= err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new AppError('transient', `voice note transcoding exceeded ${opts.timeoutMs} ms`)), opts.timeoutMs);
    timer.unref();

    input.on('error', (err) => fail(err));
    // ffmpeg may stop reading early (a bad file): the write side then errors with EPIPE, which says nothing more than its exit code
    child.stdin!.on('error', () => undefined);
    input.pipe(child.stdin!);
    child.stdout!.on('data', (chunk: Buffer) => {
      oggBytes += chunk.length;
      if (oggBytes > opts.maxBytes) fail(new AppError('payload_too_large', `voice note is above the limit of ${opts.maxBytes} bytes`, { limit: opts.maxBytes }));
      else ogg.push(chunk);
    });
    const pcmOut = child.stdio[3] as Readable;
    pcmOut.on('data', (chunk: Buffer) => {
      pcmBytes += chunk.length;
      if (pcmBytes <= PCM_MAX_BYTES) pcm.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.on('error', (err) => fail(new AppError('transient', `ffmpeg could not start: ${err.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      input.unpipe(child.stdin!);
      if (failure) {
        input.destroy();
        return reject(failure);
      }
      if (code !== 0 || oggBytes === 0) {
        input.destroy();
        const why = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300) || `ffmpeg exited with ${code}`;
        return reject(new AppError('bad_request', `the audio could not be converted to a voice note: ${why}`));
      }
      const seconds = Math.max(1, Math.round(pcmBytes / 2 / PCM_RATE));
      const waveform = pcmBytes <= PCM_MAX_BYTES ? waveformOf(Buffer.concat(pcm)) : undefined;
      resolve({ audio: Buffer.concat(ogg), seconds, ...(waveform ? { waveform } : {}) });
    });
  });
}
