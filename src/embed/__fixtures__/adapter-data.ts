/** The adapter tests' real text: SQuAD "Normans" paragraphs and their questions (rag-dev, CC BY-SA 4.0). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const readJsonl = <T>(name: string): T[] =>
  readFileSync(join(import.meta.dirname, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

export const ADAPTER_DOCS = readJsonl<{ id: string; text: string }>('adapter-corpus.jsonl');
export const ADAPTER_QUESTIONS = readJsonl<{ query: string; doc: string }>('adapter-questions.jsonl');
