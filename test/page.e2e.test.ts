import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
let ic: Incontext;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), 'Debian chromium is installed by scripts/setup-services.sh').toBe(true);
  const t = openTemp({ server: { port: 0 } });
  ic = t.ic;
  writeTree(join(t.cwd, 'c'), CORPUS);
  await ic.ingest([join(t.cwd, 'c')]);
  server = await startServer(ic, { port: 0 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await ic?.close();
});

describe('the page at /', () => {
  it('streams an answer with its cited sources in a real browser', async () => {
    const page = await browser.newPage();
    await page.goto(server.url + '/');
    await page.fill('#q', 'Who did William the Conqueror defeat at Hastings?');
    await page.click('button');
    await page.waitForSelector('#sources li', { timeout: 15_000 });
    expect(await page.textContent('#answer')).toMatch(/Harold/);
    expect(await page.textContent('#sources')).toContain('normans.md');
    await page.screenshot({ path: join(tmpdir(), 'incontext-page.png') });
  });

  it('asks for an API key when the server requires one, then answers with it', async () => {
    const { secret } = await ic.tenancy().createKey({ project: 'default', scopes: ['query'], name: 'page' });
    const page = await browser.newPage();
    await page.goto(server.url + '/');
    await page.fill('#q', 'Who did William the Conqueror defeat at Hastings?');
    await page.click('button');
    await page.waitForSelector('#key', { state: 'visible', timeout: 15_000 });
    expect(await page.textContent('#answer')).toMatch(/API key/i);
    await page.fill('#key', secret);
    await page.dispatchEvent('#key', 'change');
    await page.click('button');
    await page.waitForSelector('#sources li', { timeout: 15_000 });
    expect(await page.textContent('#answer')).toMatch(/Harold/);
    await page.screenshot({ path: join(tmpdir(), 'incontext-page-key.png') });
  });
});
