/**
 * Polls, stickers, edits and deletes: what add-message and the internal send accept (bad input is a
 * 400 naming the field), and the Baileys content the builders make, run through Baileys' own
 * generateWAMessageContent (Utils/messages.js) to see the WhatsApp message it becomes.
 */
import { AppError } from '../../src/shared/errors';
import { parseAddMessage } from '../../src/messages/request-schema';
import { sendContentSchema } from '../../src/whatsapp/content-schema';
import { parseInput } from '../../src/shared/parse-input';
import { assertOwnTarget, deleteContent, editContent, pollContent } from '../../src/whatsapp/baileys/outbound-extra';
import { waveformOf } from '../../src/whatsapp/baileys/voice-note';
import { contentKey, followsUp } from '../../src/budget/content-key';
import { Baileys, loadBaileys } from '../../src/whatsapp/baileys/loader';

const limits = { maxScheduleMs: 86_400_000 };
const base = { instanceId: 'shop-1', phone: '5511999990001' };
const parse = (body: Record<string, unknown>) => parseAddMessage({ ...base, ...body }, undefined, limits).content;
const refusal = (body: Record<string, unknown>): AppError => {
  try {
    parse(body);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('accepted');
};

describe('add-message: polls, stickers, edits, deletes', () => {
  it('turns each field into its content', () => {
    expect(parse({ poll: { name: 'Horário?', options: ['Manhã', 'Tarde'] } })).toEqual({ type: 'poll', name: 'Horário?', options: ['Manhã', 'Tarde'], selectableCount: 1 });
    expect(parse({ poll: { name: 'Sabores', options: ['a', 'b', 'c'], selectableCount: 0 }, quotedId: 'ABCDEFGH' })).toMatchObject({ selectableCount: 0, quotedId: 'ABCDEFGH' });
    expect(parse({ mediaType: 'sticker', mediaUrl: 'https://example.com/s.webp' })).toEqual({ type: 'sticker', url: 'https://example.com/s.webp' });
    expect(parse({ edit: { targetId: '3EB0AAAAAAAAAAAAAAAAAA', text: 'corrigido' } })).toEqual({ type: 'edit', targetId: '3EB0AAAAAAAAAAAAAAAAAA', text: 'corrigido' });
    expect(parse({ delete: { targetId: '3EB0AAAAAAAAAAAAAAAAAA' } })).toEqual({ type: 'delete', targetId: '3EB0AAAAAAAAAAAAAAAAAA' });
  });

  it.each([
    ['one option', { poll: { name: 'q', options: ['só'] } }, 'poll.options: a poll needs at least 2 options'],
    ['13 options', { poll: { name: 'q', options: Array.from({ length: 13 }, (_, i) => `o${i}`) } }, 'poll.options: a poll has at most 12 options'],
    ['the same option twice', { poll: { name: 'q', options: ['Sim', 'Não', 'Sim'] } }, 'poll.options.2: option "Sim" is given twice; options must be distinct'],
    ['an empty option', { poll: { name: 'q', options: ['Sim', ' '] } }, 'poll.options.1: an option must not be empty'],
    ['more choices than options', { poll: { name: 'q', options: ['a', 'b'], selectableCount: 3 } }, 'poll.selectableCount: must be 0 (any number) to 2 (the number of options)'],
    ['a poll without a name', { poll: { options: ['a', 'b'] } }, 'poll.name'],
    ['an edit without text', { edit: { targetId: '3EB0AAAAAAAAAAAAAAAAAA' } }, 'edit.text'],
    ['an edit with empty text', { edit: { targetId: '3EB0AAAAAAAAAAAAAAAAAA', text: '' } }, 'edit.text'],
    ['a delete without its target', { delete: {} }, 'delete.targetId'],
    ['a poll and an edit', { poll: { name: 'q', options: ['a', 'b'] }, edit: { targetId: 'ABCDEFGH', text: 'x' } }, 'edit: give only one of location, contact, reaction, poll, edit, delete'],
    ['a sticker that is not http(s)', { mediaType: 'sticker', mediaUrl: 'file:///etc/passwd' }, 'mediaUrl: must be an http(s) URL'],
  ])('refuses %s with a 400 naming the field', (_name, body, message) => {
    const err = refusal(body);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_failed');
    expect(err.message).toContain(message);
    expect(err.toJSON()).toMatchObject({ success: false, error: { code: 'validation_failed', details: { fields: [expect.objectContaining({ field: message.split(':')[0] })] } } });
  });

  it('the internal send takes the same content types', () => {
    expect(parseInput(sendContentSchema, { type: 'poll', name: 'q', options: ['a', 'b'], selectableCount: 2 })).toMatchObject({ type: 'poll', selectableCount: 2 });
    expect(parseInput(sendContentSchema, { type: 'sticker', url: 'https://example.com/s.webp' })).toEqual({ type: 'sticker', url: 'https://example.com/s.webp' });
    expect(() => parseInput(sendContentSchema, { type: 'delete' })).toThrow('targetId');
    expect(() => parseInput(sendContentSchema, { type: 'poll', name: 'q', options: ['a', 'a'] })).toThrow('options.1: option "a" is given twice');
  });
});

describe('the budget and follow-ups', () => {
  it('an edit or a delete opens no chat and collects no identical-content crowd; a poll does count as content', () => {
    expect(followsUp({ type: 'edit', targetId: 'ABCDEFGH', text: 'x' })).toBe(true);
    expect(followsUp({ type: 'delete', targetId: 'ABCDEFGH' })).toBe(true);
    expect(followsUp({ type: 'poll', name: 'q', options: ['a', 'b'], selectableCount: 1 })).toBe(false);
    expect(contentKey({ type: 'edit', targetId: 'ABCDEFGH', text: 'x' })).toBeUndefined();
    expect(contentKey({ type: 'delete', targetId: 'ABCDEFGH' })).toBeUndefined();
    expect(contentKey({ type: 'sticker', url: 'https://example.com/s.webp' })).toEqual(expect.any(String));
  });
});

describe('builders, through Baileys generateWAMessageContent', () => {
  let B: Baileys;
  beforeAll(async () => {
    B = await loadBaileys();
  });
  const generate = (content: Parameters<Baileys['generateWAMessageContent']>[0]) => B.generateWAMessageContent(content, { upload: async () => ({ mediaUrl: '', directPath: '' }) } as never);
  const chat = '5511999990001@s.whatsapp.net';

  it('a single-choice poll is a pollCreationMessageV3 with its options and a message secret', async () => {
    const m = await generate(pollContent({ type: 'poll', name: 'Horário?', options: ['Manhã', 'Tarde'], selectableCount: 1 }));
    expect(m.pollCreationMessageV3).toMatchObject({ name: 'Horário?', selectableOptionsCount: 1, options: [{ optionName: 'Manhã' }, { optionName: 'Tarde' }] });
    expect(m.messageContextInfo?.messageSecret).toHaveLength(32);
  });

  it('a multiple-choice poll is a pollCreationMessage', async () => {
    const m = await generate(pollContent({ type: 'poll', name: 'Sabores', options: ['a', 'b', 'c'], selectableCount: 0 }));
    expect(m.pollCreationMessage).toMatchObject({ name: 'Sabores', selectableOptionsCount: 0, options: [{ optionName: 'a' }, { optionName: 'b' }, { optionName: 'c' }] });
    expect(m.pollCreationMessageV3).toBeFalsy();
  });

  it('an edit is a MESSAGE_EDIT protocol message carrying the new text, for our own message, with no preview fetched', async () => {
    const m = await generate(editContent({ type: 'edit', targetId: '3EB0AAAAAAAAAAAAAAAAAA', text: 'veja https://example.com' }, chat));
    expect(m.protocolMessage).toMatchObject({
      type: B.proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
      key: { remoteJid: chat, id: '3EB0AAAAAAAAAAAAAAAAAA', fromMe: true },
      editedMessage: { extendedTextMessage: { text: 'veja https://example.com' } },
    });
    expect(m.protocolMessage?.editedMessage?.extendedTextMessage?.title).toBeFalsy();
  });

  it('a delete is a REVOKE protocol message for our own message', async () => {
    const m = await generate(deleteContent({ type: 'delete', targetId: '3EB0BBBBBBBBBBBBBBBBBB' }, chat));
    expect(m.protocolMessage).toMatchObject({ type: B.proto.Message.ProtocolMessage.Type.REVOKE, key: { remoteJid: chat, id: '3EB0BBBBBBBBBBBBBBBBBB', fromMe: true } });
  });
});

describe('waveformOf (Baileys getAudioWaveform over 16-bit PCM)', () => {
  const pcm = (samples: number[]) => {
    const b = Buffer.alloc(samples.length * 2);
    samples.forEach((v, i) => b.writeInt16LE(v, 2 * i));
    return b;
  };
  it('64 block means of |sample|, the loudest block 100, floored', () => {
    // 128 samples: blocks of 2; block i has amplitude i (alternating sign), the last one 63
    const samples = Array.from({ length: 128 }, (_, k) => (k % 2 ? -1 : 1) * Math.floor(k / 2) * 100);
    const w = waveformOf(pcm(samples))!;
    expect(w).toHaveLength(64);
    expect(w[63]).toBe(100);
    expect(w[0]).toBe(0);
    expect(w[21]).toBe(Math.floor((100 * 21) / 63));
  });
  it('silence is 64 zeros; fewer than 64 samples is no waveform', () => {
    expect(Array.from(waveformOf(pcm(new Array(640).fill(0)))!)).toEqual(new Array(64).fill(0));
    expect(waveformOf(pcm([1, 2, 3]))).toBeUndefined();
  });
});

describe('assertOwnTarget', () => {
  const key = (fromMe: boolean) => ({ key: { remoteJid: '5511999990001@s.whatsapp.net', id: 'IN1', fromMe } }) as never;
  it("refuses a target the store knows as the contact's, lets our own and unknown ones go", () => {
    expect(() => assertOwnTarget(key(false), 'IN1', 'edit')).toThrow('cannot edit message IN1: it was not sent by this number');
    expect(() => assertOwnTarget(key(true), 'IN1', 'delete')).not.toThrow();
    expect(() => assertOwnTarget(undefined, 'IN1', 'delete')).not.toThrow();
  });
});
