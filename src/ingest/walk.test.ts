import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, tempDir } from './__fixtures__/helpers.js';
import { loadFile, walk } from './index.js';
import type { WalkItem, WalkOptions } from './index.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let root: string;

const FILES = [
  'b.md',
  'B.md',
  'a/z.txt',
  'a/b/c.md',
  'a/b/d.pdf',
  'drafts/wip.md',
  'node_modules/pkg/readme.md',
  'a/node_modules/x.md',
  '.git/config',
  '.incontext/store.db',
  '.env',
  'a/.hidden.md',
  '.github/workflows/ci.md',
];

beforeAll(async () => {
  tmp = await tempDir();
  root = join(tmp.dir, 'corpus');
  for (const f of FILES) {
    await mkdir(dirname(join(root, f)), { recursive: true });
    await writeFile(join(root, f), `content of ${f}\n`);
  }
  // A link back up the tree must not send the walk round in circles.
  await symlink(root, join(root, 'a', 'loop'));
});
afterAll(() => tmp.cleanup());

async function collect(paths: string[], options?: WalkOptions): Promise<WalkItem[]> {
  const out: WalkItem[] = [];
  for await (const item of walk(paths, options)) out.push(item);
  return out;
}

const rel = (items: WalkItem[]) => items.map((i) => i.path.slice(root.length + 1));

describe('walk', () => {
  it('finds files recursively in code-unit order, skipping node_modules, .git, .incontext and dotfiles', async () => {
    const items = await collect([root]);
    expect(rel(items)).toEqual(['B.md', 'a/b/c.md', 'a/b/d.pdf', 'a/z.txt', 'b.md', 'drafts/wip.md']);
    expect(items.every((i) => i.root === root && i.error === undefined)).toBe(true);
  });

  it('gives the same sequence on every run', async () => {
    expect(await collect([root])).toEqual(await collect([root]));
  });

  it('keeps only files matching include, relative to the root; a pattern without / matches the base name', async () => {
    expect(rel(await collect([root], { include: ['**/*.md'] }))).toEqual(['B.md', 'a/b/c.md', 'b.md', 'drafts/wip.md']);
    expect(rel(await collect([root], { include: ['*.pdf', '*.txt'] }))).toEqual(['a/b/d.pdf', 'a/z.txt']);
    expect(rel(await collect([root], { include: ['a/**'] }))).toEqual(['a/b/c.md', 'a/b/d.pdf', 'a/z.txt']);
  });

  it('drops files and whole directories matching exclude, on top of the defaults', async () => {
    expect(rel(await collect([root], { exclude: ['drafts/**', '**/*.pdf'] }))).toEqual(['B.md', 'a/b/c.md', 'a/z.txt', 'b.md']);
    expect(rel(await collect([root], { exclude: ['a'] }))).toEqual(['B.md', 'b.md', 'drafts/wip.md']);
  });

  it('can turn the default excludes off', async () => {
    const all = rel(await collect([root], { defaultExcludes: false, exclude: ['**/loop/**'] }));
    expect(all).toContain('.env');
    expect(all).toContain('node_modules/pkg/readme.md');
    expect(all).toContain('.github/workflows/ci.md');
  });

  it('yields an error item for a missing path and carries on with the next one', async () => {
    const missing = join(tmp.dir, 'nope');
    const items = await collect([missing, join(root, 'a', 'b')]);
    expect(items[0]?.path).toBe(missing);
    expect(items[0]?.error?.code).toBe('FILE_UNREADABLE');
    expect(items[0]?.error?.input?.path).toBe(missing);
    expect(items.slice(1).map((i) => i.path)).toEqual([join(root, 'a/b/c.md'), join(root, 'a/b/d.pdf')]);
    // The error item is safe to hand to loadFile, which fails the same way.
    expect((await failure(() => loadFile(missing))).code).toBe('FILE_UNREADABLE');
  });

  it('yields a file argument as given, rooted at its directory, once even if reached twice', async () => {
    const file = join(root, 'a', '.hidden.md');
    const items = await collect([file, root, join(root, 'b.md')]);
    expect(items[0]).toEqual({ path: file, root: join(root, 'a') });
    expect(items.filter((i) => i.path === join(root, 'b.md'))).toHaveLength(1);
    const [doc] = await loadFile(items[0]?.path ?? '', { root: items[0]?.root ?? '' });
    expect(doc?.source).toBe('.hidden.md');
  });

  it('produces root-relative posix sources when its items are loaded', async () => {
    const sources: string[] = [];
    for await (const item of walk([root], { include: ['**/*.md'] })) {
      for (const d of await loadFile(item.path, { root: item.root })) sources.push(d.source);
    }
    expect(sources).toEqual(['B.md', 'a/b/c.md', 'b.md', 'drafts/wip.md']);
  });
});
