/**
 * `npm start`. In development without `STRIPE_SECRET_KEY`, starts the local Stripe stand-in in this process and
 * the service as a child wired to it, and says where to click (again on Enter or SIGUSR2); Ctrl-C or SIGTERM stops
 * both. The stand-in's state and a development admin key (for `/admin`) are kept under `.data/` across restarts.
 * With Stripe keys, or
 * with `NODE_ENV=production`, runs the service alone, in this process, with the environment unchanged — what the
 * Dockerfile runs (`dist/src/main.js`) is the same code either way, and nothing under `src/` knows the stand-in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type StripeLocal, startStripeLocal } from '@reader-support/stripe-local';
import { apiKeyEntry, ensureDevelopmentKey } from './apiKey';
import {
  type BannerDetails,
  type LaunchPlan,
  launcherProbeHeader,
  offlineBanner,
  offlineServiceEnv,
  planLaunch,
} from './plan';

/** How long the service may take to drain before it is killed (its own drain is 10 s). */
const childStopTimeoutMs = 15_000;
const readyTimeoutMs = 30_000;
const exConfig = 78;
/** Where development state is kept (the service's `dataDir`, relative to the working directory). */
const dataDir = '.data';
/** The `API_KEYS` name of the development admin key (shown in the audit log). */
const adminKeyName = 'local-admin';

/**
 * The service's entry in the tree this launcher runs from: `dist/src/main.js` beside `dist/tools/launcher/`, or
 * `src/main.ts` when the launcher itself runs from source (tsx), so a test runs the source without a build.
 */
export function serviceEntry(launcherFile: string = __filename): string {
  return launcherFile.endsWith('.ts')
    ? resolve(__dirname, '..', '..', 'src', 'main.ts')
    : resolve(__dirname, '..', '..', 'src', 'main.js');
}

async function main(): Promise<void> {
  const plan = planLaunch(process.env);
  if (plan.kind === 'refuse') {
    process.stderr.write(`launcher: ${plan.variable}: ${plan.message}\n`);
    process.exit(exConfig);
  }
  if (plan.kind === 'service') {
    // As exec would: the service runs here, under this pid, handling its own signals and exit code.
    require(serviceEntry());
    return;
  }
  await runOffline(plan);
}

async function runOffline(plan: Extract<LaunchPlan, { kind: 'offline' }>): Promise<void> {
  const say = (line: string): void => {
    process.stdout.write(`launcher: ${line}\n`);
  };
  const adminKeyFile = resolve(dataDir, 'admin-key');
  let adminKey: { secret: string; created: boolean };
  try {
    adminKey = ensureDevelopmentKey(adminKeyFile);
  } catch (error) {
    process.stderr.write(
      `launcher: cannot keep the admin key in ${adminKeyFile}: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  let standIn: StripeLocal;
  try {
    standIn = await startStripeLocal({
      port: plan.standInPort,
      host: plan.standInHost,
      webhookUrl: plan.webhookUrl,
      // Kept across restarts with its webhook secret (made once, at random), so the service keeps verifying.
      stateFile: resolve(dataDir, 'stripe-local', 'state.json'),
      // The service keeps real time while the stand-in's clock may be moved from its control page.
      signatureTime: 'real',
      // A service restarting or briefly busy still gets its events.
      retry: { attempts: 10, maxDelayMs: 10_000 },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === 'EADDRINUSE'
        ? `launcher: port ${plan.standInPort} is in use (another npm start?): set STRIPE_LOCAL_PORT to another port\n`
        : `launcher: the Stripe stand-in did not start: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  say(`Stripe stand-in on ${standIn.url}, sending webhooks to ${plan.webhookUrl}`);
  if (standIn.stateFile?.restored) say(`the stand-in's state was loaded from ${standIn.stateFile.path}`);
  if (adminKey.created) say(`made a development admin key, kept in ${adminKeyFile}`);
  if (!existsSync(resolve('dist', 'web', 'manifest.json'))) {
    say('the banner script is not built (dist/web/): run `npx tsx web/build.ts`, or the demo shows no ask');
  }

  const child = spawn(process.execPath, [...process.execArgv, serviceEntry()], {
    env: offlineServiceEnv(process.env, standIn, apiKeyEntry(adminKeyName, 'admin', adminKey.secret)),
    stdio: 'inherit',
  });
  let stopping = false;
  // Killed by the signal passed on before its handlers were installed (Ctrl-C while starting) is a clean stop.
  const exited = new Promise<number>((done) => {
    child.once('exit', (code, signal) => done(code ?? (stopping && signal !== 'SIGKILL' ? 0 : 1)));
  });

  const stop = (signal: NodeJS.Signals): void => {
    // Ctrl-C reaches the whole process group, the service included; it ignores repeats, so passing it on is safe.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => child.kill('SIGKILL'), childStopTimeoutMs);
    force.unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const details: BannerDetails = {
    standInUrl: standIn.url,
    outbox: `${resolve(dataDir, 'outbox')}/`,
    adminKey: { secret: adminKey.secret, file: adminKeyFile },
    stateFile: standIn.stateFile,
    pid: process.pid,
    enterReprints: process.stdin.isTTY === true,
  };
  const showBanner = (): void => {
    if (!stopping) process.stdout.write(offlineBanner(plan, details));
  };
  // The banner scrolls away under the service's logs: Enter (in a terminal) or SIGUSR2 prints it again.
  process.on('SIGUSR2', showBanner);
  if (details.enterReprints) process.stdin.on('data', showBanner);

  void waitUntilHealthy(plan.servicePort, child).then((healthy) => {
    if (healthy) showBanner();
  });

  const code = await exited;
  // Writes the stand-in's state file one last time.
  await standIn.close();
  if (stopping) {
    say(code === 0 ? 'stopped' : `the service stopped with code ${code}`);
    process.exit(code);
  }
  say(`the service exited on its own with code ${code}: stopping the stand-in`);
  process.exit(code);
}

/** Polls `/healthz` until it answers 200, the child exits, or the deadline passes. */
async function waitUntilHealthy(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`, {
        headers: { [launcherProbeHeader]: '1' },
        signal: AbortSignal.timeout(1000),
      });
      if (answer.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  return false;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`launcher: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
