import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from './__fixtures__/tiny-model.js';
import { createOnnxEmbedder, resolveEmbedder } from './index.js';

const created: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'incontext-onnx-'));
  created.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** What the embedder must produce: the mean (or first) of the table rows of the words, L2-normalised. */
function expected(table: number[][], ids: number[], pooling: 'mean' | 'cls' = 'mean', normalise = true): number[] {
  const rows = pooling === 'cls' ? [table[ids[0]!]!] : ids.map((id) => table[id]!);
  const mean = rows[0]!.map((_, d) => rows.reduce((s, r) => s + r[d]!, 0) / rows.length);
  const n = normalise ? Math.hypot(...mean) : 1;
  return mean.map((x) => x / n);
}
const close = (values: number[]) => values.map((x) => expect.closeTo(x, 5));

describe('createOnnxEmbedder', () => {
  const model = writeTinyModel(join(tempDir(), 'tiny-encoder'));
  const id = (w: string) => model.vocab[w]!;

  it('mean-pools the token vectors over real tokens, ignoring padding', async () => {
    const embedder = await createOnnxEmbedder({ modelDir: model.dir });
    expect(embedder.id).toBe('onnx:tiny-encoder');
    expect(embedder.dimensions).toBe(4);
    // Different lengths in one batch force padding of the shorter text.
    const [long, short, unknown] = await embedder.embed(['Hello world cats', 'dogs', 'hello zebra']);
    expect(Array.from(long!)).toEqual(close(expected(model.table, [id('hello'), id('world'), id('cats')])));
    expect(Array.from(short!)).toEqual(close(expected(model.table, [id('dogs')])));
    // Words outside the vocabulary map to [UNK] (id 1), as the tokenizer says.
    expect(Array.from(unknown!)).toEqual(close(expected(model.table, [id('hello'), 1])));
  });

  it('supports CLS pooling and unnormalised output', async () => {
    const cls = await createOnnxEmbedder({ modelDir: model.dir, pooling: 'cls' });
    expect(cls.id).toBe('onnx:tiny-encoder:cls');
    const [v] = await cls.embed(['sleep bark bark']);
    expect(Array.from(v!)).toEqual(close(expected(model.table, [id('sleep')], 'cls')));
    const raw = await createOnnxEmbedder({ modelDir: model.dir, normalize: false });
    // The padded second text must be divided by its own token count (1), not the batch's sequence length (3).
    const [r, padded] = await raw.embed(['cats dogs sleep', 'cats']);
    expect(Array.from(r!)).toEqual(close(expected(model.table, [id('cats'), id('dogs'), id('sleep')], 'mean', false)));
    expect(Array.from(padded!)).toEqual(close(model.table[id('cats')]!));
  });

  it('prepends the query and document prefixes by kind', async () => {
    const embedder = await createOnnxEmbedder({ modelDir: model.dir, queryPrefix: 'bark ', documentPrefix: 'sleep ' });
    const [q] = await embedder.embed(['cats'], { kind: 'query' });
    const [d] = await embedder.embed(['cats'], { kind: 'document' });
    expect(Array.from(q!)).toEqual(close(expected(model.table, [id('bark'), id('cats')])));
    expect(Array.from(d!)).toEqual(close(expected(model.table, [id('sleep'), id('cats')])));
  });

  it('splits large inputs into batches and keeps their order', async () => {
    const embedder = await createOnnxEmbedder({ modelDir: model.dir, batchSize: 2 });
    const texts = ['hello', 'world', 'cats', 'dogs', 'sleep'];
    const vectors = await embedder.embed(texts);
    vectors.forEach((v, i) => expect(Array.from(v)).toEqual(close(expected(model.table, [id(texts[i]!)]))));
  });

  it('finds model.onnx at the top of the folder too, and loads through resolveEmbedder', async () => {
    const flat = writeTinyModel(join(tempDir(), 'flat'), 'root');
    rmSync(join(flat.dir, 'onnx'), { recursive: true });
    const embedder = await resolveEmbedder(`onnx:${flat.dir}`, {}, tempDir());
    const [v] = await embedder.embed(['world']);
    expect(Array.from(v!)).toEqual(close(expected(flat.table, [flat.vocab.world!])));
  });

  it('names the path when the folder does not exist', async () => {
    const missing = join(tempDir(), 'no-such-model');
    const err = await createOnnxEmbedder({ modelDir: missing }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND', input: { path: missing } });
    expect((err as Error).message).toContain(missing);
  });

  it('names the path when model.onnx is missing', async () => {
    const dir = join(tempDir(), 'no-onnx');
    writeTinyModel(dir);
    rmSync(join(dir, 'onnx'), { recursive: true });
    const err = await createOnnxEmbedder({ modelDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND', input: { path: join(dir, 'onnx', 'model.onnx') } });
    expect((err as Error).message).toContain('model.onnx');
  });

  it('names tokenizer.json when it is missing', async () => {
    const dir = join(tempDir(), 'no-tokenizer');
    writeTinyModel(dir);
    rmSync(join(dir, 'tokenizer.json'));
    await expect(createOnnxEmbedder({ modelDir: dir })).rejects.toMatchObject({ code: 'NOT_FOUND', input: { path: join(dir, 'tokenizer.json') } });
  });

  it('reports a corrupt model file as EMBEDDING_FAILED naming the folder, without any download', async () => {
    const dir = join(tempDir(), 'corrupt');
    writeTinyModel(dir);
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'onnx', 'model.onnx'), 'not a protobuf');
    const err = await createOnnxEmbedder({ modelDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EMBEDDING_FAILED', input: { path: dir } });
  });
});
