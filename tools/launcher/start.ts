/**
 * `npm start`. In development without `STRIPE_SECRET_KEY`, starts the local Stripe stand-in in this process and
 * the service as a child wired to it, and says where to click; Ctrl-C or SIGTERM stops both. With Stripe keys, or
 * with `NODE_ENV=production`, runs the service alone, in this process, with the environment unchanged — what the
 * Dockerfile runs (`dist/src/main.js`) is the same code either way, and nothing under `src/` knows the stand-in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type StripeLocal, startStripeLocal } from '@reader-support/stripe-local';
import { type LaunchPlan, offlineBanner, offlineServiceEnv, planLaunch } from './plan';

/** How long the service may take to drain before it is killed (its own drain is 10 s). */
const childStopTimeoutMs = 15_000;
const readyTimeoutMs = 30_000;
const exConfig = 78;

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
  let standIn: StripeLocal;
  try {
    standIn = await startStripeLocal({
      port: plan.standInPort,
      host: plan.standInHost,
      webhookUrl: plan.webhookUrl,
      webhookSecret: `whsec_local_${randomBytes(16).toString('hex')}`,
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
  if (!existsSync(resolve('dist', 'web', 'manifest.json'))) {
    say('the banner script is not built (dist/web/): run `npx tsx web/build.ts`, or the demo shows no ask');
  }

  const child = spawn(process.execPath, [...process.execArgv, serviceEntry()], {
    env: offlineServiceEnv(process.env, standIn),
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

  void waitUntilHealthy(plan.servicePort, child).then((healthy) => {
    if (healthy && !stopping) {
      process.stdout.write(offlineBanner(plan, standIn.url, `${resolve('.data', 'outbox')}/`));
    }
  });

  const code = await exited;
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
      const answer = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
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
