import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { getEncoding } from 'js-tiktoken';
import { countTokens, createChunker } from '../src/chunk/index.js';
import { fmt, log, mean, msSince, now, readJsonl, type CorpusDoc, type Section, type Table } from './lib.js';

const SIZE = 384;
const OVERLAP = 48;
/** Enough real text to dominate per-call overhead, small enough for the token-counting peer to finish. */
const TARGET_BYTES = 3 * 1024 * 1024;
const ABSTRACTS_PER_DOC = 30;

/**
 * Real documents: SciFact abstracts grouped into article-sized texts (title line,
 * blank line, abstract), plus the SQuAD "Normans" paragraphs as one article, so the
 * splitters meet paragraph breaks, long paragraphs and sentence ends.
 */
function buildDocuments(): string[] {
  const docs: string[] = [];
  const squad = readJsonl<CorpusDoc>('rag-dev-corpus.jsonl');
  docs.push(`${squad[0]?.title ?? 'Normans'}\n\n${squad.map((p) => p.text).join('\n\n')}`);
  let bytes = Buffer.byteLength(docs[0]!);
  let group: string[] = [];
  for (const d of readJsonl<CorpusDoc>('scifact-corpus.jsonl')) {
    if (bytes >= TARGET_BYTES) break;
    const part = `${d.title}\n\n${d.text}`;
    group.push(part);
    bytes += Buffer.byteLength(part) + 2;
    if (group.length === ABSTRACTS_PER_DOC) {
      docs.push(group.join('\n\n'));
      group = [];
    }
  }
  if (group.length) docs.push(group.join('\n\n'));
  return docs;
}

interface Run {
  name: string;
  ms: number;
  chunks: string[];
}

async function runSplitter(name: string, docs: string[], split: (t: string) => Promise<string[]> | string[]): Promise<Run> {
  // Warm-up on a different, small text: loads tokenizer ranks and JITs the hot paths, so the
  // timed pass measures splitting, not one-off start-up.
  await split(docs[docs.length - 1]!.slice(0, 20_000));
  const t = now();
  const chunks: string[] = [];
  for (const d of docs) chunks.push(...(await split(d)));
  const ms = msSince(t);
  log(`chunking: ${name} ${fmt(ms)} ms, ${chunks.length} chunks`);
  return { name, ms, chunks };
}

export const chunkingSection: Section = {
  name: 'chunking',
  title: 'Chunking',
  async run(): Promise<Table[]> {
    const docs = buildDocuments();
    const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d), 0);
    const mb = bytes / (1024 * 1024);
    log(`chunking: ${docs.length} documents, ${fmt(mb)} MB`);

    const ours = createChunker({ strategy: 'recursive', size: SIZE, overlap: OVERLAP });
    const enc = getEncoding('cl100k_base');
    const lcTokens = new RecursiveCharacterTextSplitter({ chunkSize: SIZE, chunkOverlap: OVERLAP, lengthFunction: (t: string) => enc.encode(t).length });
    // LangChain's default length function counts characters; ~4 characters per cl100k token in English prose.
    const lcChars = new RecursiveCharacterTextSplitter({ chunkSize: SIZE * 4, chunkOverlap: OVERLAP * 4 });

    const runs: Run[] = [
      await runSplitter('incontext recursive (tokens)', docs, (t) => ours.split(t).map((p) => p.text)),
      await runSplitter('LangChain Recursive (js-tiktoken length)', docs, (t) => lcTokens.splitText(t)),
      await runSplitter('LangChain Recursive (chars, 1536/192)', docs, (t) => lcChars.splitText(t)),
    ];
    const base = runs[0]!.ms;
    const rows = runs.map((r) => {
      const tokens = r.chunks.map((c) => countTokens(c));
      const over = tokens.filter((n) => n > SIZE).length;
      return [r.name, fmt(r.ms / mb), `${fmt(r.ms / base)}×`, r.chunks.length, fmt(mean(tokens), 0), Math.max(...tokens), over];
    });
    return [
      {
        title: `Chunking ${fmt(mb)} MB (${docs.length} documents: SciFact abstracts + SQuAD paragraphs), size ${SIZE} / overlap ${OVERLAP} tokens`,
        head: ['splitter', 'ms per MB', 'time vs incontext', 'chunks', 'mean tokens', 'max tokens', `chunks > ${SIZE} tokens`],
        rows,
        notes: [
          'Tokens are cl100k_base, counted after the run with incontext countTokens (identical to tiktoken encode).',
          'Each splitter is warmed up once on a separate 20 kB slice first, so tokenizer loading is not timed.',
        ],
      },
    ];
  },
};
