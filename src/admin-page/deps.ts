import type { AuditLog } from '../audit/auditLog';
import type { Config } from '../config';
import type { EventLogReader } from '../finance/eventLogReader';
import type { Reconciler } from '../finance/reconciliation';
import type { Clock } from '../platform/clock';
import type { AdminActions } from '../repair/adminActions';
import type { AdminSessions } from './session';

/** What the finance page takes from the composition root. */
export interface AdminPageDeps {
  config: Pick<Config, 'apiKeys' | 'publicUrl' | 'reconciliationTz' | 'theme'>;
  clock: Clock;
  sessions: AdminSessions;
  events: EventLogReader;
  reconcile: Reconciler;
  audit: AuditLog;
  /** The same audited use cases as `/v1/admin`. */
  actions: AdminActions;
}
