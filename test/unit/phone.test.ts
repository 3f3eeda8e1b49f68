import { canonicalRecipient, normalizePhone, parseRecipient } from '../../src/whatsapp/phone';

describe('phone and recipient parsing', () => {
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

  it('turns a phone or user JID into a user recipient', () => {
    expect(parseRecipient('+55 11 99999-8888')).toEqual({ kind: 'user', phone: '5511999998888', jid: '5511999998888@s.whatsapp.net' });
    expect(parseRecipient('5511999998888@c.us')).toEqual({ kind: 'user', phone: '5511999998888', jid: '5511999998888@s.whatsapp.net' });
    expect(parseRecipient('5511999998888:12@s.whatsapp.net')?.jid).toBe('5511999998888@s.whatsapp.net');
  });

  it('keeps group ids as they are', () => {
    expect(parseRecipient('120363041234567890@g.us')).toEqual({ kind: 'group', jid: '120363041234567890@g.us' });
    expect(parseRecipient('5511999998888-1600000000@g.us')).toEqual({ kind: 'group', jid: '5511999998888-1600000000@g.us' });
    expect(canonicalRecipient('120363041234567890@g.us')).toBe('120363041234567890@g.us');
  });

  it('refuses what is neither', () => {
    for (const bad of ['123@lid', 'abc@g.us', '5511999998888@broadcast', 'status@broadcast', '@g.us', '']) {
      expect(parseRecipient(bad)).toBeUndefined();
      expect(canonicalRecipient(bad)).toBeUndefined();
    }
  });
});
