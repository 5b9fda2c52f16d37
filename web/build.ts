/**
 * Builds the banner script: `web/support/main.ts` bundled and minified by esbuild into one file, written as
 * `dist/web/support.js` (served briefly cached) and `dist/web/support.<hash>.js` (served immutable), with
 * `dist/web/manifest.json` saying which hash is current. Run: `npx tsx web/build.ts`.
 *
 * `--if-stale` (what `npm start` runs) skips the build when the output is newer than every input (the script's
 * sources, this file, esbuild's version); `--budget=warn` reports a script over its gzip budget without failing.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** What the service reads to serve the script (see src/banner/routes.ts). */
export interface SupportScriptManifest {
  /** `support.<hash>.js` */
  file: string;
  /** First 16 hex digits of the SHA-256 of the file. */
  hash: string;
  /** For `<script integrity>` on the hashed file. */
  integrity: string;
  bytes: number;
  gzipBytes: number;
}

export const supportScriptGzipBudget = 14 * 1024;
const projectRoot = resolve(__dirname, '..');
export const defaultOutDir = join(projectRoot, 'dist', 'web');

/** Bundles, hashes and writes the script; several builds at once (parallel test workers) each write whole files. */
export async function buildSupportScript(outDir: string = defaultOutDir): Promise<SupportScriptManifest> {
  const result = await build({
    entryPoints: [join(projectRoot, 'web', 'support', 'main.ts')],
    tsconfig: join(projectRoot, 'web', 'tsconfig.json'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome87', 'firefox78', 'safari15', 'edge88'],
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output for web/support/main.ts');
  const code = Buffer.from(output.contents);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const manifest: SupportScriptManifest = {
    file: `support.${hash}.js`,
    hash,
    integrity: `sha384-${createHash('sha384').update(code).digest('base64')}`,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
  };
  mkdirSync(outDir, { recursive: true });
  writeWhole(join(outDir, manifest.file), code);
  writeWhole(join(outDir, 'support.js'), code);
  writeWhole(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Earlier builds' hashed files: the service only ever serves the current one.
  for (const name of readdirSync(outDir)) {
    if (/^support\.[0-9a-f]{16}\.js$/.test(name) && name !== manifest.file)
      rmSync(join(outDir, name), { force: true });
  }
  return manifest;
}

/** The files the script is built from: a change to any of them makes the output stale. */
function inputFiles(): string[] {
  const sources = readdirSync(join(projectRoot, 'web', 'support'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  return [
    ...sources,
    join(projectRoot, 'web', 'build.ts'),
    join(projectRoot, 'web', 'tsconfig.json'),
    require.resolve('esbuild/package.json'),
  ];
}

/**
 * The current build's manifest when `outDir` holds a whole build (manifest, `support.js`, the hashed file) written
 * after every input last changed; null when it must be built.
 */
export function upToDateSupportScript(outDir: string = defaultOutDir): SupportScriptManifest | null {
  const manifestPath = join(outDir, 'manifest.json');
  let manifest: SupportScriptManifest;
  let builtAt: number;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SupportScriptManifest;
    builtAt = statSync(manifestPath).mtimeMs;
  } catch {
    return null;
  }
  if (!existsSync(join(outDir, manifest.file)) || !existsSync(join(outDir, 'support.js'))) return null;
  const newestInput = Math.max(...inputFiles().map((file) => statSync(file).mtimeMs));
  return newestInput < builtAt ? manifest : null;
}

function writeWhole(path: string, content: Buffer | string): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  const budgetWarnsOnly = process.argv.includes('--budget=warn');
  const current = ifStale ? upToDateSupportScript() : null;
  (current ? Promise.resolve(current) : buildSupportScript())
    .then((manifest) => {
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      const within = manifest.gzipBytes <= supportScriptGzipBudget;
      const over = budgetWarnsOnly ? ' — OVER: fix before release' : ' — OVER';
      process.stdout.write(
        `dist/web/support.js and dist/web/${manifest.file}${current ? ' (up to date, not rebuilt)' : ''}: ` +
          `${kb(manifest.bytes)} minified, ` +
          `${kb(manifest.gzipBytes)} gzipped (budget ${kb(supportScriptGzipBudget)}${within ? '' : over})\n`,
      );
      if (!within && !budgetWarnsOnly) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      process.stderr.write(`web/build.ts: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
