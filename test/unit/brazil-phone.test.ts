import { isBrazilianEightDigitMobile, phoneForms } from '../../src/whatsapp/numbers/brazil-phone';
import { sandboxHasAccount, sandboxLookup } from '../../src/whatsapp/sandbox/numbers';

describe('Brazilian ninth digit (phoneForms)', () => {
  it('an 8-digit mobile (6-9 first) is also tried with the 9, and the 9-digit form comes first', () => {
    expect(phoneForms('551187654321')).toEqual(['5511987654321', '551187654321']);
    expect(phoneForms('553196853220')).toEqual(['5531996853220', '553196853220']);
    expect(phoneForms('556161234567')).toEqual(['5561961234567', '556161234567']);
  });

  it('a 9-digit mobile whose rest is a former 8-digit mobile is also tried without the 9', () => {
    expect(phoneForms('5511987654321')).toEqual(['5511987654321', '551187654321']);
    expect(phoneForms('5531996853220')).toEqual(['5531996853220', '553196853220']);
  });

  it('the two forms are each other’s pair, whatever DDD', () => {
    for (const ddd of ['11', '21', '31', '47', '85', '99']) {
      const eight = `55${ddd}98765432`;
      const nine = `55${ddd}998765432`;
      expect(phoneForms(eight)).toEqual([nine, eight]);
      expect(phoneForms(nine)).toEqual([nine, eight]);
    }
  });

  it('landlines, numbers that never had an 8-digit form, DDDs with a 0 and other countries are tried as given', () => {
    expect(phoneForms('551133334444')).toEqual(['551133334444']); // landline (2-5 first)
    expect(phoneForms('551152223333')).toEqual(['551152223333']);
    expect(phoneForms('5511912345678')).toEqual(['5511912345678']); // 9 then 1: no 8-digit form (that would be a landline)
    expect(phoneForms('551087654321')).toEqual(['551087654321']); // DDD 10 does not exist
    expect(phoneForms('5501987654321')).toEqual(['5501987654321']);
    expect(phoneForms('14155550123')).toEqual(['14155550123']);
    expect(phoneForms('5215512345678')).toEqual(['5215512345678']);
    expect(phoneForms('55119876543210')).toEqual(['55119876543210']); // too long for a Brazilian number
    expect(phoneForms('5511876543')).toEqual(['5511876543']);
  });

  it('isBrazilianEightDigitMobile is true only for the form without the 9', () => {
    expect(isBrazilianEightDigitMobile('551187654321')).toBe(true);
    expect(isBrazilianEightDigitMobile('5511987654321')).toBe(false);
    expect(isBrazilianEightDigitMobile('551133334444')).toBe(false);
    expect(isBrazilianEightDigitMobile('14155550123')).toBe(false);
  });
});

describe('the sandbox directory', () => {
  it('numbers ending in 0000 and 8-digit Brazilian mobiles have no account; the rest do', () => {
    expect(sandboxHasAccount('5511999990000')).toBe(false);
    expect(sandboxHasAccount('14155550000')).toBe(false);
    expect(sandboxHasAccount('551187654321')).toBe(false);
    expect(sandboxHasAccount('5511987654321')).toBe(true);
    expect(sandboxHasAccount('551133334444')).toBe(true);
    expect(sandboxHasAccount('14155550123')).toBe(true);
  });

  it('answers with the jid, and the LID when the sandbox gives contacts one', () => {
    expect(sandboxLookup('5511987654321')).toEqual({ phone: '5511987654321', exists: true, jid: '5511987654321@s.whatsapp.net' });
    expect(sandboxLookup('5511987654321', (p) => `9${p}@lid`)).toMatchObject({ lid: '95511987654321@lid' });
    expect(sandboxLookup('5511999990000', (p) => `9${p}@lid`)).toEqual({ phone: '5511999990000', exists: false });
  });
});
