import { seeded } from './deliveries';
import { play } from './play';
import { type StripeChaos, startStripeChaos } from './stripeChaos';

/**
 * Scenario 3: Stripe's API fails while events are applied (500s, connection resets, answers past the SDK's
 * timeout). A webhook whose Stripe read failed answers 503 with nothing half-written, and applies exactly once
 * when Stripe retries.
 */

jest.setTimeout(600_000);

it('Stripe API faults while applying: 503, no partial state, exactly once on retry', async () => {
  let chaos: StripeChaos | null = null;
  try {
    const { tally } = await play({
      name: 'Stripe API faults (500, reset, timeout)',
      readers: 60,
      mergeGroups: 2,
      instanceEnv: async (world) => {
        chaos = await startStripeChaos(world.standIn.url, seeded(3));
        return { STRIPE_API_URL: chaos.url };
      },
      notes: () => `Stripe calls through the proxy ${JSON.stringify(chaos?.counts)}`,
    });
    const struck = chaos as StripeChaos | null;
    expect(struck?.counts.calls).toBeGreaterThan(50);
    expect((struck?.counts.errors ?? 0) + (struck?.counts.resets ?? 0)).toBeGreaterThan(5);
    // Some webhooks outlived the SDK's own retries and were refused for Stripe to retry them.
    expect(tally.refused[503] ?? 0).toBeGreaterThan(0);
    expect(tally.refused[500] ?? 0).toBe(0);
  } finally {
    await (chaos as StripeChaos | null)?.close();
  }
});
