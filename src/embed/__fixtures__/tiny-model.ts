/**
 * Writes a tiny but real transformer-shaped model folder for the ONNX embedder
 * tests: an ONNX graph (hand-encoded protobuf) that maps input_ids to
 * last_hidden_state = embeddings[input_ids] * attention_mask, a WordLevel
 * tokenizer.json and the config files transformers.js reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// --- a minimal protobuf encoder: just what ModelProto needs ---
type Field = Uint8Array;
function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const cat = (parts: Field[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const int = (field: number, value: number | bigint): Field => Uint8Array.from([...varint(field << 3), ...varint(value)]);
const bytes = (field: number, value: Uint8Array): Field => cat([Uint8Array.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);
const str = (field: number, value: string): Field => bytes(field, new TextEncoder().encode(value));
const msg = (field: number, parts: Field[]): Field => bytes(field, cat(parts));

const FLOAT = 1;
const INT64 = 7;

function tensorType(elemType: number, dims: Array<string | number>): Field {
  const shape = dims.map((d) => msg(1, [typeof d === 'string' ? str(2, d) : int(1, d)]));
  return msg(2, [msg(1, [int(1, elemType), msg(2, shape)])]);
}
const valueInfo = (field: number, name: string, elemType: number, dims: Array<string | number>): Field => msg(field, [str(1, name), tensorType(elemType, dims)]);
const node = (inputs: string[], outputs: string[], opType: string, name: string): Field =>
  msg(1, [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, opType)]);

export function tinyOnnxModel(table: number[][]): Uint8Array {
  const vocab = table.length;
  const hidden = table[0]!.length;
  const weights = new Float32Array(table.flat());
  const embeddings = msg(5, [int(1, vocab), int(1, hidden), int(2, FLOAT), str(8, 'embeddings'), bytes(9, new Uint8Array(weights.buffer))]);
  const axes = msg(5, [int(1, 1), int(2, INT64), str(8, 'axes'), bytes(9, new Uint8Array(new BigInt64Array([-1n]).buffer))]);
  const graph = msg(7, [
    node(['embeddings', 'input_ids'], ['gathered'], 'Gather', 'gather'),
    // Cast to float (to = 1): a NodeProto attribute is field 5, AttributeProto {name 1, i 3, type 20 (INT = 2)}.
    msg(1, [str(1, 'attention_mask'), str(2, 'mask_f'), str(3, 'cast'), str(4, 'Cast'), msg(5, [str(1, 'to'), int(3, FLOAT), int(20, 2)])]),
    node(['mask_f', 'axes'], ['mask_3d'], 'Unsqueeze', 'unsqueeze'),
    node(['gathered', 'mask_3d'], ['last_hidden_state'], 'Mul', 'mul'),
    str(2, 'tiny'),
    embeddings,
    axes,
    valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
    valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
    valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', hidden]),
  ]);
  return cat([int(1, 8), str(2, 'incontext-test'), graph, msg(8, [str(1, ''), int(2, 13)])]);
}

export function tinyTokenizerJson(vocab: Record<string, number>): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
}

export interface TinyModelFolder {
  dir: string;
  vocab: Record<string, number>;
  table: number[][];
}

/** Write the folder in the layout of a Hugging Face ONNX export: onnx/model.onnx next to the tokenizer files. */
export function writeTinyModel(dir: string, layout: 'onnx-subfolder' | 'root' = 'onnx-subfolder'): TinyModelFolder {
  const words = ['hello', 'world', 'cats', 'dogs', 'sleep', 'bark'];
  const vocab: Record<string, number> = { '[PAD]': 0, '[UNK]': 1 };
  words.forEach((w, i) => (vocab[w] = i + 2));
  // Row i is a distinct, non-normalised vector so pooling mistakes change the result.
  const table = Object.values(vocab).map((id) => [id === 0 ? 9 : id, id % 3, (id * 7) % 5, 1]);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, layout === 'root' ? 'model.onnx' : 'onnx/model.onnx'), tinyOnnxModel(table));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(vocab)));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', pad_token: '[PAD]', unk_token: '[UNK]', model_max_length: 32 }),
  );
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 4, architectures: ['BertModel'] }));
  return { dir, vocab, table };
}
