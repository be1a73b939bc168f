/**
 * The wire format of retrieved context inside a prompt. The prompt stage writes it;
 * the local extractive model reads it back from the messages it is given, exactly
 * as a remote model would see them. Keeping both sides here stops them drifting.
 */
export interface ContextBlock {
  /** 1-based number the model cites as `[n]`. */
  index: number;
  source: string;
  title?: string;
  text: string;
}

const HEADER = /^\[(\d+)\] source: (.*?)(?: \| title: (.*))?$/;
export const CONTEXT_START = 'Context:';
export const QUESTION_START = 'Question:';

export function formatContextBlocks(blocks: ContextBlock[]): string {
  return blocks
    .map((b) => {
      const title = b.title ? ` | title: ${b.title.replace(/\s+/g, ' ')}` : '';
      return `[${b.index}] source: ${b.source.replace(/\s+/g, ' ')}${title}\n${b.text.trim()}`;
    })
    .join('\n\n');
}

export function formatRagUserMessage(blocks: ContextBlock[], question: string): string {
  const ctx = blocks.length ? formatContextBlocks(blocks) : '(no documents matched)';
  return `${CONTEXT_START}\n${ctx}\n\n${QUESTION_START} ${question.trim()}`;
}

/** Parse a user message written by `formatRagUserMessage`; undefined when it is not one. */
export function parseRagUserMessage(message: string): { blocks: ContextBlock[]; question: string } | undefined {
  if (!message.startsWith(CONTEXT_START)) return undefined;
  const qAt = message.lastIndexOf(`\n\n${QUESTION_START}`);
  if (qAt < 0) return undefined;
  const question = message.slice(qAt + QUESTION_START.length + 2).trim();
  const body = message.slice(CONTEXT_START.length + 1, qAt);
  const blocks: ContextBlock[] = [];
  let current: ContextBlock | undefined;
  const lines: string[] = [];
  const flush = () => {
    if (current) blocks.push({ ...current, text: lines.join('\n').trim() });
    lines.length = 0;
  };
  for (const line of body.split('\n')) {
    const m = HEADER.exec(line);
    if (m && m[1] && m[2] !== undefined) {
      flush();
      current = { index: Number(m[1]), source: m[2], text: '', ...(m[3] ? { title: m[3] } : {}) };
    } else if (current) {
      lines.push(line);
    }
  }
  flush();
  return { blocks, question };
}
