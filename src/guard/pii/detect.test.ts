import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectPii, type PiiLabel, type PiiSpan } from './index.js';

function found(text: string, label?: PiiLabel): Pick<PiiSpan, 'label' | 'text' | 'start' | 'end'>[] {
  return detectPii(text)
    .filter((s) => label === undefined || s.label === label)
    .map(({ label: l, text: t, start, end }) => ({ label: l, text: t, start, end }));
}
const texts = (text: string, label: PiiLabel) => found(text, label).map((s) => s.text);

describe('detectPii: offsets', () => {
  it('returns exact, sorted, non-overlapping spans whose text is the slice', () => {
    const text = 'Contact Dr. Jane Smith at jane.smith@example.com or +1 415-555-2671.';
    const spans = detectPii(text);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    expect(found(text)).toEqual([
      { label: 'title', text: 'Dr.', start: 8, end: 11 },
      { label: 'name', text: 'Jane Smith', start: 12, end: 22 },
      { label: 'email', text: 'jane.smith@example.com', start: 26, end: 48 },
      { label: 'phone', text: '+1 415-555-2671', start: 52, end: 67 },
    ]);
  });
  it('filters by label and keeps offsets in text with accents and Hangul before the span', () => {
    const text = 'Šárka Ottová, 연락처: 010-1234-5678';
    expect(found(text, 'phone')).toEqual([{ label: 'phone', text: '010-1234-5678', start: 19, end: 32 }]);
    expect(detectPii(text, { labels: ['email'] })).toEqual([]);
  });
  it('keeps exact offsets in long texts that are parsed in pieces', () => {
    const filler = 'The weather was mild and the meeting ran long.\n'.repeat(200);
    const text = `${filler}Please call Dr. Kyle Kuefer tomorrow.\n${filler}My name is Rubija`;
    const names = detectPii(text).filter((s) => s.label === 'name');
    expect(names.map((s) => s.text)).toEqual(['Kyle Kuefer', 'Rubija']);
    for (const s of names) expect(text.slice(s.start, s.end)).toBe(s.text);
  });
  it('rejects an unknown label with a hint', () => {
    expect(() => detectPii('x', { labels: ['passport' as PiiLabel] })).toThrow(/Unknown PII label/);
  });
});

describe('precision on text without personal data', () => {
  it('finds nothing in prose with form labels, acronyms, versions, counts and capitalised common words', () => {
    const text = readFileSync(new URL('./__fixtures__/no-pii.txt', import.meta.url), 'utf8');
    expect(found(text)).toEqual([]);
  });
});

describe('email, url, domain', () => {
  it('finds emails and does not report their domain separately', () => {
    expect(found('Mail UtaKortig@jourrapide.com today.')).toEqual([
      { label: 'email', text: 'UtaKortig@jourrapide.com', start: 5, end: 29 },
    ]);
  });
  it('finds URLs without the trailing full stop, and bare domains with a real TLD', () => {
    expect(texts('See https://www.UEarly.se/about. Or example.org!', 'url')).toEqual(['https://www.UEarly.se/about']);
    expect(texts('See https://www.UEarly.se/about. Or example.org!', 'domain_name')).toEqual(['example.org']);
  });
  it('does not take file names, abbreviations or version numbers for domains', () => {
    expect(texts('Edit README.md and main.py, e.g. version 2.0.1, i.e. not U.S. policy.', 'domain_name')).toEqual([]);
  });
});

describe('phone', () => {
  it('finds US, international and Korean numbers', () => {
    const text = 'Call (415) 555-2671 or +44 20 7946 0958. 휴대폰 010-1234-5678, or +82 10-9876-5432.';
    expect(texts(text, 'phone')).toEqual(['(415) 555-2671', '+44 20 7946 0958', '010-1234-5678', '+82 10-9876-5432']);
  });
  it('tries the locale region first, so its local numbers score higher', () => {
    const text = '서울 사무실 02-312-3456 으로 연락주세요';
    const kr = detectPii(text, { locale: 'ko-KR' }).find((s) => s.label === 'phone');
    const us = detectPii(text).find((s) => s.label === 'phone');
    expect(kr?.text).toBe('02-312-3456');
    expect(kr?.score).toBeGreaterThan(us?.score ?? 0);
  });
  it('keeps an extension and accepts local formats when the context says phone', () => {
    expect(texts('Phone: 345-899-3560x4587', 'phone')).toEqual(['345-899-3560x4587']);
    expect(texts('(37) 788-063-Office, 416 60 039 fax', 'phone')).toEqual(['(37) 788-063', '416 60 039']);
    expect(texts('Phone:\n0490 75 40 81', 'phone')).toEqual(['0490 75 40 81']);
  });
  it('does not take dates, IP addresses, amounts or bare ids for phones', () => {
    const text = 'On 2021-03-04 and 12/25/2023 we paid 1,250,000.00 from host 192.168.1.300; ticket 20230418 closed.';
    expect(texts(text, 'phone')).toEqual([]);
    expect(texts(text, 'date_time')).toEqual(['2021-03-04', '12/25/2023']);
  });
});

describe('credit_card', () => {
  it('finds Luhn-valid cards with spaces, dashes or none', () => {
    const text = 'Card 4111 1111 1111 1111, amex 3782-822463-10005, visa 4539578763621486.';
    expect(texts(text, 'credit_card')).toEqual(['4111 1111 1111 1111', '3782-822463-10005', '4539578763621486']);
  });
  it('rejects a 16-digit order number that fails Luhn and mixed separators', () => {
    expect(texts('Order 1234567812345678 shipped.', 'credit_card')).toEqual([]);
    expect(texts('Ref 4111 1111-1111 1111.', 'credit_card')).toEqual([]);
  });
});

describe('iban', () => {
  it('finds IBANs in groups or lower case and leaves the following word out', () => {
    expect(texts('Pay to GB82 WEST 1234 5698 7654 32 please', 'iban')).toEqual(['GB82 WEST 1234 5698 7654 32']);
    expect(texts('iban: gb42nawi04454264788619', 'iban')).toEqual(['gb42nawi04454264788619']);
    expect(texts('iban: de89370400440532013000.', 'iban')).toEqual(['de89370400440532013000']);
  });
  it('rejects a wrong check digit', () => {
    expect(texts('GB82 WEST 1234 5698 7654 33', 'iban')).toEqual([]);
  });
});

describe('ip_address', () => {
  it('finds IPv4 and IPv6 and rejects out-of-range octets', () => {
    const text = 'Hosts 10.0.0.1, 2001:db8::8a2e:370:7334 and ::1 are up; 192.168.1.300 is a typo.';
    expect(texts(text, 'ip_address')).toEqual(['10.0.0.1', '2001:db8::8a2e:370:7334', '::1']);
  });
  it('treats a dotted quad after "v" or "version" as a version, a bare one as an address', () => {
    expect(texts('Upgrade to v1.2.3.4 (version 2.0.0.1).', 'ip_address')).toEqual([]);
    expect(texts('ping 1.2.3.4', 'ip_address')).toEqual(['1.2.3.4']);
  });
  it('does not read clock times as IPv6', () => {
    expect(texts('at 11:34:35 sharp', 'ip_address')).toEqual([]);
  });
});

describe('ssn', () => {
  it('finds dashed SSNs and bare ones only with context', () => {
    expect(texts("Here's my SSN: 460-89-9847", 'ssn')).toEqual(['460-89-9847']);
    expect(texts('social security number 460899847', 'ssn')).toEqual(['460899847']);
    expect(texts('invoice 460899847', 'ssn')).toEqual([]);
  });
  it('rejects never-issued ranges', () => {
    expect(texts('SSN 666-12-3456, 900-12-3456, 123-00-4567, 078-05-1120', 'ssn')).toEqual([]);
  });
});

describe('kr_rrn', () => {
  it('finds a resident registration number with a valid check digit', () => {
    expect(found('주민등록번호: 900101-1234568')).toEqual([{ label: 'kr_rrn', text: '900101-1234568', start: 8, end: 22 }]);
  });
  it('rejects a wrong check digit without context and an impossible birth date', () => {
    expect(texts('code 900101-1234567', 'kr_rrn')).toEqual([]);
    expect(texts('주민등록번호 901301-1234568', 'kr_rrn')).toEqual([]);
  });
});

describe('date_time', () => {
  it('finds numeric, ISO, named and Korean dates and clock times', () => {
    const text = 'Born 2/8/1935, logged 2000-04-16 11:34:35, due March 3, 2024 at 10:30 am, met 5th of May, 2023년 3월 1일.';
    expect(texts(text, 'date_time')).toEqual(['2/8/1935', '2000-04-16 11:34:35', 'March 3, 2024 at 10:30 am', '5th of May', '2023년 3월 1일']);
  });
  it('rejects impossible calendar days and version-like triples', () => {
    expect(texts('Not 2021-02-30, not 13/13/2020, release 1.2.23.', 'date_time')).toEqual([]);
  });
  it('reads "May" as a month only beside a day or year', () => {
    expect(texts('We met in May. May 5 is the deadline.', 'date_time')).toEqual(['May 5']);
  });
  it('takes a bare year only after a preposition', () => {
    expect(texts('Founded in 1977 with 2000 members.', 'date_time')).toEqual(['1977']);
  });
});

describe('address and zip_code', () => {
  it('finds a US street address with unit, city, state and ZIP as one span', () => {
    const text = 'Ship to 1600 Pennsylvania Avenue NW, Suite 200, Washington, DC 20500 please.';
    expect(texts(text, 'address')).toEqual(['1600 Pennsylvania Avenue NW, Suite 200, Washington, DC 20500']);
  });
  it('finds European street forms and PO boxes', () => {
    expect(texts('Sie wohnt in der Brucker Bundesstrasse 31, ich in Via Franscini 71.', 'address')).toEqual([
      'Brucker Bundesstrasse 31',
      'Via Franscini 71',
    ]);
    expect(texts('Write to P.O. Box 1234.', 'address')).toEqual(['P.O. Box 1234']);
  });
  it('takes what follows "lives at" when it has a number and a capitalised word', () => {
    expect(texts('He lives at Joaquin Suarez 2906, near the park.', 'address')).toEqual(['Joaquin Suarez 2906']);
    expect(texts('She lives at home with her 2 cats.', 'address')).toEqual([]);
  });
  it('finds number-first Latin street forms', () => {
    expect(texts('Envoyez-le au 12 rue de la Paix, merci.', 'address')).toEqual(['12 rue de la Paix']);
    expect(texts('Il habite au 15 avenue des Champs-Élysées, 75008 Paris.', 'address')).toEqual(['15 avenue des Champs-Élysées, 75008 Paris']);
  });
  it('does not take quantities followed by a street word for addresses', () => {
    expect(texts('I saw 3 cats on the way and 2 dogs in the park.', 'address')).toEqual([]);
  });
  it('finds postal codes after a label or a state, and UK postcodes', () => {
    expect(texts('ZIP: 3520', 'zip_code')).toEqual(['3520']);
    expect(texts('London SW1A 1AA', 'zip_code')).toEqual(['SW1A 1AA']);
  });
});

describe('name, title, organization, age', () => {
  it('finds names after honorifics and introductions, with the honorific as a title', () => {
    expect(found('Hello, this is Dr. Kyle Kuefer.')).toEqual([
      { label: 'title', text: 'Dr.', start: 15, end: 18 },
      { label: 'name', text: 'Kyle Kuefer', start: 19, end: 30 },
    ]);
    expect(texts('My name is Rubija', 'name')).toEqual(['Rubija']);
    expect(texts('Regards,\nKatrine Hansen', 'name')).toEqual(['Katrine Hansen']);
  });
  it('finds names with a middle initial and repeats of a found surname', () => {
    expect(texts("the verses from Faina D. Yefremova's Cautionary Tales; early Yefremova", 'name')).toEqual([
      'Faina D. Yefremova',
      'Yefremova',
    ]);
  });
  it('finds known first names with a surname in any script, in lists and as transcript speakers', () => {
    expect(texts('Follow up with Emma Nyström in a couple of months.', 'name')).toEqual(['Emma Nyström']);
    expect(texts('They had 3: Hannah, Derek and Andrew.', 'name')).toEqual(['Hannah', 'Derek', 'Andrew']);
    expect(texts('😀 Then Emma Watson arrived.', 'name')).toEqual(['Emma Watson']);
    expect(texts('Ubul: What a wife.\nNicole: Remember me?\nAddress: none', 'name')).toEqual(['Ubul', 'Nicole']);
  });
  it('takes two capitalised words no dictionary knows for a name, but not a venue', () => {
    expect(texts('Please add Irenke Sörös as a beneficiary.', 'name')).toEqual(['Irenke Sörös']);
    expect(texts('We toured the Aquatic Pavilion and Harvard University.', 'name')).toEqual([]);
  });
  it('does not take a company, a month or an ordinary word for a name', () => {
    expect(texts('I bought shares of Apple yesterday and Apple rose.', 'name')).toEqual([]);
    expect(texts('We met in May and I am Happy to help.', 'name')).toEqual([]);
    expect(texts('We met in May and I am Happy to help.', 'date_time')).toEqual([]);
  });
  it('finds companies by their legal suffix and firm-name pattern', () => {
    expect(texts('The Avalara office and Microbilt Corporation signed with Davis, Reynolds and Williamson.', 'organization')).toEqual(
      expect.arrayContaining(['Microbilt Corporation', 'Davis, Reynolds and Williamson']),
    );
  });
  it('finds job titles framed as roles, not occupations in running text', () => {
    expect(texts('Marie Langrová, the Packager, said: "fine".', 'title')).toEqual(['Packager']);
    expect(texts('Jamie Pratt\n\nTalking-books clerk\n\nPhone: 555', 'title')).toEqual(['Talking-books clerk']);
    expect(texts('I used to work for Usaa Group as Rolling machine operator, but quit.', 'title')).toEqual(['Rolling machine operator']);
    expect(texts('Ask the driver to stop; the manager said the engineer is away.', 'title')).toEqual([]);
  });
  it('takes the object of an employment phrase for an employer', () => {
    expect(texts('She works at Zillow and spent a year at Weeks-Rivas.', 'organization')).toEqual(['Zillow', 'Weeks-Rivas']);
  });
  it('finds ages in context, not durations or amounts', () => {
    expect(texts('This 79 year old female; aged 34; I am 31 y/o; my brother just turned 60.', 'age')).toEqual(['79', '34', '31', '60']);
    expect(texts('It took 5 years and cost 40 dollars.', 'age')).toEqual([]);
  });
});

describe('gpe', () => {
  it('reports places only when asked, without region adjectives', () => {
    const text = 'She moved from Southern Tunisia to Toronto last year.';
    expect(detectPii(text).filter((s) => s.label === 'gpe')).toEqual([]);
    expect(detectPii(text, { labels: ['gpe'] }).map((s) => s.text)).toEqual(['Tunisia', 'Toronto']);
  });
});

describe('nrp', () => {
  it('reports nationalities, religions and parties only when asked', () => {
    const text = 'The saudis and a Polish Catholic voter met two Russians.';
    expect(detectPii(text).filter((s) => s.label === 'nrp')).toEqual([]);
    expect(detectPii(text, { labels: ['nrp'] }).map((s) => s.text)).toEqual(['saudis', 'Polish', 'Catholic', 'Russians']);
  });
});

describe('driver_license', () => {
  it('needs the label in front', () => {
    expect(texts("my driver's license number is 2270-66-1551", 'driver_license')).toEqual(['2270-66-1551']);
    expect(texts('part number 2270-66-1551', 'driver_license')).toEqual([]);
  });
});
