import { example } from '../../config/stages/example.js';
import type { AppConfig } from '../../lib/config/app-config.js';

/**
 * The stage the access proof evaluates: the example stage, plus a second database so that every probe
 * between databases (A's task reaching B's backups, A's restorer reaching B's) has a target. `billing-db` is reached by
 * host, with its login in a secret named rather than given by ARN, and verifies on an EBS work volume (a large
 * database), so the proof covers both kinds of configuration and the volume's infrastructure role.
 */
export const PROOF_STAGE: AppConfig = {
  ...example,
  databases: [
    ...example.databases,
    {
      id: 'billing-db',
      connection: { host: 'billing.db.internal', port: 5432, database: 'billing' },
      secretName: 'pg-backup/billing-db',
      sslMode: 'verify-full',
      verifyTask: { vcpu: 4, memoryGiB: 16, volumeGiB: 500 },
    },
  ],
  // The roles people assume: a viewer, a restorer per database; the CLI runs as the viewer and billing-db's restorer.
  access: {
    viewers: ['arn:aws:iam::123456789012:role/platform-engineers'],
    restorers: [
      { name: 'orders-oncall', principals: ['arn:aws:iam::123456789012:role/oncall'], databases: ['orders-db'] },
      { name: 'billing-oncall', principals: ['arn:aws:iam::123456789012:role/billing-oncall'], databases: ['billing-db'] },
    ],
  },
};
