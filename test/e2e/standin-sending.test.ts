/**
 * Sending beyond text and plain media, end to end: the real processes with the real Baileys driver
 * against the stand-in (test/harness/fake-wa), whose devices decrypt what arrives (out.message). A
 * poll, a sticker, an edit and a delete go out as Baileys builds them for WhatsApp
 * (Utils/messages.js generateWAMessageContent; Socket/messages-send.js:1090-1123 the stanza's
 * edit attribute and poll meta); a voice note from an MP3 is uploaded as Ogg/Opus with its seconds
 * and waveform (the upload, decrypted with the message's mediaKey, read by ffprobe); a link preview
 * comes from a real local HTTP page; bad input is a 400 with a clear message.
 */
import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/env';
import { BaileysStack } from '../harness/baileys-stack';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';

jest.setTimeout(120_000);

const ID = 'envio-1';
const CONTACT = '5511977770001';
const stack = new BaileysStack('standin-sending', { WA_RECONNECT_BASE_MS: '200', WA_VERSION_FETCH_TIMEOUT_MS: '0', PACING_MIN_GAP_MS: '0', PACING_JITTER_MS: '0' });
const dir = mkdtempSync(join(tmpdir(), 'standin-sending-'));
let B: Baileys;
let site: Server;
let siteUrl = '';
let incomingId = '';

const ffmpeg = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args]);

beforeAll(async () => {
  B = await loadBaileys();
  site = createServer((req, res) => {
    if (req.url === '/produto') {
      return res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head><meta property="og:title" content="Tênis Azul"><meta property="og:description" content="Em promoção"><meta property="og:image" content="${siteUrl}/foto.png"></head><body></body></html>`);
    }
    if (req.url === '/foto.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(ffmpeg('-f', 'lavfi', '-i', 'color=c=red:s=300x200', '-frames:v', '1', '-f', 'image2', '-c:v', 'png', 'pipe:1'));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  await stack.start({ phone: '5511900000004', media: true });
  await stack.linkInstance(ID);
  // the contact wrote first: the chat is known (no new-chat cap in the way of the sends below)
  incomingId = stack.wa.current!.pushMessage({ from: CONTACT, text: 'oi' });
  await stack.waitDelivered('/messages', (e) => e.type === 'message.received' && e.data.messageId === incomingId, 'incoming');
});

afterAll(async () => {
  if (process.env.STANDIN_DEBUG) console.log(stack.output());
  await stack.stop();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const add = (body: Record<string, unknown>) => stack.call('POST', '/queue/add-message', { instanceId: ID, phone: CONTACT, ...body });

/** Queues, then waits for the stanza the stand-in decrypted. */
async function sent(body: Record<string, unknown>) {
  const res = await add(body);
  expect(res.status).toBe(202);
  const out = await stack.wa.waitForOutgoing((o) => o.id === res.body.messageId, 30_000);
  expect(out.message).toBeDefined();
  return { id: res.body.messageId as string, out, message: out.message! };
}

/** The upload a media message points to, decrypted with its mediaKey (WhatsApp's media encryption). */
async function uploaded(media: { directPath?: string; mediaKey?: Uint8Array }, type: 'audio' | 'sticker'): Promise<Buffer> {
  const upload = stack.wa.media!.uploads.find((u) => u.directPath === media.directPath);
  expect(upload).toBeDefined();
  const { iv, cipherKey } = await B.getMediaKeys(Buffer.from(media.mediaKey!), type);
  const d = createDecipheriv('aes-256-cbc', cipherKey, iv);
  return Buffer.concat([d.update(upload!.bytes.subarray(0, -10)), d.final()]);
}

const metaOf = (node: { content?: unknown }) => (Array.isArray(node.content) ? node.content : []).find((c: { tag: string }) => c.tag === 'meta');

describe('sending polls, stickers, edits, deletes, voice notes and link previews', () => {
  it('a poll goes out as a pollCreationMessageV3 with a message secret and the creation meta', async () => {
    const { out, message } = await sent({ poll: { name: 'Qual horário?', options: ['Manhã', 'Tarde', 'Noite'], selectableCount: 1 } });
    expect(message.pollCreationMessageV3).toMatchObject({ name: 'Qual horário?', selectableOptionsCount: 1, options: [{ optionName: 'Manhã' }, { optionName: 'Tarde' }, { optionName: 'Noite' }] });
    expect(message.messageContextInfo.messageSecret).toHaveLength(32);
    expect(metaOf(out.node)?.attrs).toMatchObject({ polltype: 'creation' });
  });

  it('a multiple-choice poll is a pollCreationMessage', async () => {
    const { message } = await sent({ poll: { name: 'Sabores', options: ['Uva', 'Limão'], selectableCount: 0 } });
    expect(message.pollCreationMessage).toMatchObject({ name: 'Sabores', selectableOptionsCount: 0 });
  });

  it('a sticker is a WebP stickerMessage whose upload is the file', async () => {
    const webp = ffmpeg('-f', 'lavfi', '-i', 'color=c=blue:s=512x512', '-frames:v', '1', '-c:v', 'libwebp', '-f', 'webp', 'pipe:1');
    const mediaUrl = stack.wa.media!.publish('adesivo.webp', webp, 'image/webp');
    const { out, message } = await sent({ mediaType: 'sticker', mediaUrl });
    expect(out.type).toBe('media');
    expect(message.stickerMessage).toMatchObject({ mimetype: 'image/webp' });
    expect(await uploaded(message.stickerMessage, 'sticker')).toEqual(webp);
  });

  /** Queues a message that must fail before reaching WhatsApp; returns its view. */
  async function failsUnsent(body: Record<string, unknown>) {
    const res = await add(body);
    expect(res.status).toBe(202);
    const failed = await waitFor(async () => {
      const m = (await stack.call('GET', `/messages/${res.body.messageId}`)).body.message;
      return m?.status === 'failed' ? m : undefined;
    }, { what: 'failed' });
    expect(stack.wa.outgoing.some((o) => o.id === res.body.messageId)).toBe(false);
    return JSON.stringify(failed);
  }

  it('a sticker that is not WebP fails with the reason, unsent', async () => {
    const mediaUrl = stack.wa.media!.publish('foto.png', Buffer.from('png bytes'), 'image/png');
    expect(await failsUnsent({ mediaType: 'sticker', mediaUrl })).toContain('a sticker must be a WebP image; the url served image/png');
  });

  it("refuses to edit or delete the contact's message: only its sender can", async () => {
    expect(await failsUnsent({ delete: { targetId: incomingId } })).toContain(`cannot delete message ${incomingId}: it was not sent by this number`);
    expect(await failsUnsent({ edit: { targetId: incomingId, text: 'x' } })).toContain(`cannot edit message ${incomingId}: it was not sent by this number`);
  });

  it('an edit replaces the text of a message we sent (MESSAGE_EDIT, edit="1"), a delete revokes it (REVOKE, edit="7")', async () => {
    const original = await sent({ message: 'O pedido chega amanhã' });
    const edit = await sent({ edit: { targetId: original.id, text: 'O pedido chega hoje' } });
    expect(edit.out.node.attrs.edit).toBe('1');
    expect(edit.message.protocolMessage).toMatchObject({
      type: B.proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
      key: { id: original.id, fromMe: true },
      editedMessage: { extendedTextMessage: { text: 'O pedido chega hoje' } },
    });
    expect(edit.message.protocolMessage.key.remoteJid).toBe(original.out.to);

    const del = await sent({ delete: { targetId: original.id } });
    expect(del.out.node.attrs.edit).toBe('7');
    expect(del.message.protocolMessage).toMatchObject({ key: { id: original.id, fromMe: true, remoteJid: original.out.to } });
    expect(del.message.protocolMessage.type ?? 0).toBe(B.proto.Message.ProtocolMessage.Type.REVOKE);
    // both are new messages of their own, not resends of the original
    expect(new Set([original.id, edit.id, del.id]).size).toBe(3);
  });

  it('a voice note from an MP3 is uploaded as Ogg/Opus, marked ptt, with seconds and a waveform', async () => {
    const mp3 = ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', 'pipe:1');
    const mediaUrl = stack.wa.media!.publish('recado.mp3', mp3, 'audio/mpeg');
    const { message } = await sent({ mediaType: 'ptt', mediaUrl });
    const audio = message.audioMessage;
    expect(audio).toMatchObject({ ptt: true, mimetype: 'audio/ogg; codecs=opus', seconds: 3 });
    expect(audio.waveform).toHaveLength(64);
    expect(Math.max(...audio.waveform)).toBe(100);
    const bytes = await uploaded(audio, 'audio');
    expect(createHash('sha256').update(bytes).digest()).toEqual(Buffer.from(audio.fileSha256));
    const file = join(dir, 'recado.ogg');
    writeFileSync(file, bytes);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString());
    expect(probe.format.format_name).toBe('ogg');
    expect(probe.streams[0]).toMatchObject({ codec_name: 'opus', channels: 1 });
  });

  it('a text with linkPreview carries the preview of its link (title, description, thumbnail)', async () => {
    const text = `Olha esse: ${siteUrl}/produto`;
    const { message } = await sent({ message: text, linkPreview: true });
    expect(message.extendedTextMessage).toMatchObject({ text, matchedText: `${siteUrl}/produto`, title: 'Tênis Azul', description: 'Em promoção' });
    expect(Buffer.from(message.extendedTextMessage.jpegThumbnail).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('a preview that fails sends the text without one', async () => {
    const text = `Link quebrado: ${siteUrl}/sumiu`;
    const { id, message } = await sent({ message: text, linkPreview: true });
    const body = message.extendedTextMessage ?? { text: message.conversation };
    expect(body.text).toBe(text);
    expect(body.title).toBeFalsy();
    await waitFor(async () => (await stack.call('GET', `/messages/${id}`)).body.message?.status === 'sent', { what: 'sent' });
    expect(stack.output()).toContain('link preview skipped');
  });

  it('refuses bad content with a 400 that says what is wrong', async () => {
    const twice = await add({ poll: { name: 'q', options: ['Sim', 'Sim'] } });
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ success: false, error: { code: 'validation_failed', message: expect.stringContaining('poll.options.1: option "Sim" is given twice') } });
    const noText = await add({ edit: { targetId: '3EB0AAAAAAAAAAAAAAAAAA' } });
    expect(noText.status).toBe(400);
    expect(noText.body.error.message).toContain('edit.text');
  });
});
