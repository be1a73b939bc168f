/**
 * Nationalities, religions and political groups (presidio's NRP): special categories of personal data
 * under GDPR art. 9. Off by default like places, since "translate this into German" is not about anyone.
 */
import { type Candidate, matches } from './candidate.js';

const DEMONYMS =
  'Afghan|Albanian|Algerian|American|Andorran|Angolan|Argentine|Argentinian|Armenian|Australian|Austrian|Azerbaijani|Bahraini|Bangladeshi|Belarusian|Belgian|Bolivian|Bosnian|Brazilian|British|Bulgarian|Burmese|Cambodian|Cameroonian|Canadian|Chilean|Chinese|Colombian|Congolese|Croatian|Cuban|Cypriot|Czech|Danish|Dominican|Dutch|Ecuadorian|Egyptian|Emirati|English|Eritrean|Estonian|Ethiopian|Filipino|Finnish|French|Georgian|German|Ghanaian|Greek|Guatemalan|Haitian|Honduran|Hungarian|Icelandic|Indian|Indonesian|Iranian|Iraqi|Irish|Israeli|Italian|Ivorian|Jamaican|Japanese|Jordanian|Kazakh|Kenyan|Korean|Kosovar|Kurdish|Kuwaiti|Kyrgyz|Lao|Latvian|Lebanese|Libyan|Lithuanian|Luxembourgish|Macedonian|Malagasy|Malaysian|Maltese|Mexican|Moldovan|Mongolian|Montenegrin|Moroccan|Mozambican|Namibian|Nepalese|Nepali|Nicaraguan|Nigerian|Norwegian|Omani|Pakistani|Palestinian|Panamanian|Paraguayan|Persian|Peruvian|Polish|Portuguese|Qatari|Romanian|Russian|Rwandan|Salvadoran|Saudi|Scottish|Senegalese|Serbian|Singaporean|Slovak|Slovakian|Slovenian|Somali|Spanish|Sri Lankan|Sudanese|Swedish|Swiss|Syrian|Taiwanese|Tajik|Tanzanian|Thai|Tibetan|Tunisian|Turkish|Turkmen|Ugandan|Ukrainian|Uruguayan|Uzbek|Venezuelan|Vietnamese|Welsh|Yemeni|Zambian|Zimbabwean';
const GROUPS =
  'Christian|Catholic|Protestant|Orthodox|Evangelical|Mormon|Muslim|Islamic|Sunni|Shia|Shiite|Jewish|Jew|Hindu|Buddhist|Sikh|Jain|Atheist|Agnostic|Democrat|Republican|Conservative|Liberal|Libertarian|Socialist|Communist|Marxist|Labour|Tory|Green Party';
// Plurals ("saudis", "Russians") and any case, since chat text often lowers them.
const NRP_RE = new RegExp(`(?<![\\p{L}])(?:${DEMONYMS}|${GROUPS})(?:s|es)?(?![\\p{L}])`, 'giu');

export function detectNrp(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const { start, end } of matches(NRP_RE, text)) out.push({ start, end, label: 'nrp', score: 0.55 });
  return out;
}
