import { firstLineTitle, makeDoc, type Loader } from './shared.js';

export const loadText: Loader = async (input) => {
  const text = input.text;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  // A one-line file has no title separate from its body.
  const title = lines.length > 1 ? firstLineTitle(text, 100) : undefined;
  return [makeDoc(input, { format: 'text', text, title })];
};
