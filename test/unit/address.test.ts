import { normalizePhone } from '../../src/whatsapp/phone';
import { canonicalRecipient, parseWaAddress as parseRecipient, requireUserAddress, requireWaAddress } from '../../src/whatsapp/address';

describe('phone and address parsing', () => {
  it.each([
    ['5511999998888', '5511999998888'],
    ['+55 (11) 99999-8888', '5511999998888'],
    ['+1 415.555.0100', '14155550100'],
    ['0044 20 7946 0958', '442079460958'],
    [' 5511999998888 ', '5511999998888'],
  ])('normalises %s', (input, digits) => {
    expect(normalizePhone(input)).toBe(digits);
  });

  it.each(['', 'abc', '1234567', '1234567890123456', '011999998888', '55119999a8888', '+55 11 9999 8888 ext 2', '5511999998888@s.whatsapp.net'])(
    'refuses %j as a phone number',
    (input) => {
      expect(normalizePhone(input)).toBeUndefined();
    },
  );

  it('turns a phone or PN JID into a phone address', () => {
    expect(parseRecipient('+55 11 99999-8888')).toEqual({ kind: 'pn', phone: '5511999998888', jid: '5511999998888@s.whatsapp.net' });
    expect(parseRecipient('5511999998888@c.us')).toEqual({ kind: 'pn', phone: '5511999998888', jid: '5511999998888@s.whatsapp.net' });
    expect(parseRecipient('5511999998888:12@s.whatsapp.net')?.jid).toBe('5511999998888@s.whatsapp.net');
  });

  it('keeps group ids as they are', () => {
    expect(parseRecipient('120363041234567890@g.us')).toEqual({ kind: 'group', jid: '120363041234567890@g.us' });
    expect(parseRecipient('5511999998888-1600000000@g.us')).toEqual({ kind: 'group', jid: '5511999998888-1600000000@g.us' });
    expect(canonicalRecipient('120363041234567890@g.us')).toBe('120363041234567890@g.us');
  });

  it('takes a LID as events report it, without a device suffix', () => {
    expect(parseRecipient('123456789012345@lid')).toEqual({ kind: 'lid', jid: '123456789012345@lid' });
    expect(parseRecipient(' 123456789012345:3@lid ')).toEqual({ kind: 'lid', jid: '123456789012345@lid' });
    expect(canonicalRecipient('123456789012345@lid')).toBe('123456789012345@lid');
    expect(requireUserAddress('123456789012345@lid').kind).toBe('lid');
  });

  it('names the field of a refused recipient, and refuses a group where a person is needed', () => {
    expect(() => requireWaAddress('abc', 'chatId')).toThrow(expect.objectContaining({ code: 'invalid_recipient', status: 400, details: { chatId: 'abc' } }));
    expect(() => requireUserAddress('120363041234567890@g.us')).toThrow(expect.objectContaining({ code: 'invalid_recipient' }));
  });

  it('refuses what is none of them', () => {
    for (const bad of ['12@lid', 'abc@lid', 'abc@g.us', '5511999998888@broadcast', 'status@broadcast', '@g.us', '']) {
      expect(parseRecipient(bad)).toBeUndefined();
      expect(canonicalRecipient(bad)).toBeUndefined();
    }
  });
});
