import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { upToDateSupportScript } from '../../web/build';

/** `web/build.ts --if-stale` (npm start): built only when an input is newer than the output, or the output is partial. */
describe('the banner script build, skipped when up to date', () => {
  let outDir: string;
  const manifest = {
    file: 'support.0123456789abcdef.js',
    hash: '0123456789abcdef',
    integrity: 'x',
    bytes: 1,
    gzipBytes: 1,
  };
  const write = (at: Date) => {
    writeFileSync(join(outDir, manifest.file), 'x');
    writeFileSync(join(outDir, 'support.js'), 'x');
    writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest));
    utimesSync(join(outDir, 'manifest.json'), at, at);
  };
  beforeEach(() => {
    outDir = mkdtempSync(join(tmpdir(), 'rs-web-'));
  });
  afterEach(() => rmSync(outDir, { recursive: true, force: true }));

  test('an output written after every input is current', () => {
    write(new Date(Date.now() + 60_000));
    expect(upToDateSupportScript(outDir)).toEqual(manifest);
  });

  test('an output older than an input (here: older than everything) is stale', () => {
    write(new Date(0));
    expect(upToDateSupportScript(outDir)).toBeNull();
  });

  test('no manifest, or a manifest naming a file that is not there, is stale', () => {
    expect(upToDateSupportScript(outDir)).toBeNull();
    write(new Date(Date.now() + 60_000));
    rmSync(join(outDir, manifest.file));
    expect(upToDateSupportScript(outDir)).toBeNull();
  });
});
