import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import type { AcknowledgementStore } from './acknowledgements';
import { attachFacts } from './matching';
import type { Reconciler, ReportedDifference } from './reconciliation';

export interface AcknowledgeDeps {
  reconcile: Reconciler;
  acknowledgements: AcknowledgementStore;
  clock: Clock;
  timeZone: string;
}

export interface AcknowledgeRequest {
  date: string;
  differenceId: string;
  fingerprint: string;
  reason: string;
}

/**
 * An admin explains a difference. The difference is looked up as reconciliation finds it now (that date,
 * reconciled again): one that is no longer there is 404, one whose figures changed since it was shown is 409, so
 * what is acknowledged is always what the books say at that moment.
 */
export async function acknowledgeDifference(
  deps: AcknowledgeDeps,
  by: string,
  request: AcknowledgeRequest,
): Promise<ReportedDifference> {
  const report = await deps.reconcile({
    from: request.date,
    to: request.date,
    currency: null,
    timeZone: deps.timeZone,
  });
  const found = report.differences.find((d) => d.id === request.differenceId);
  if (!found) {
    throw new AppError(
      'not_found',
      `Reconciliation finds no difference ${request.differenceId} on ${request.date} (repaired already?).`,
    );
  }
  if (request.fingerprint !== found.fingerprint) {
    throw new AppError(
      'conflict',
      'The difference has changed since it was shown (its amounts or fees): look at it again before explaining it.',
    );
  }
  const acknowledgement = { by, at: deps.clock.now(), reason: request.reason };
  await deps.acknowledgements.save(found.id, { ...acknowledgement, fingerprint: found.fingerprint });
  return attachFacts({ ...found, acknowledgement }, found.facts);
}
