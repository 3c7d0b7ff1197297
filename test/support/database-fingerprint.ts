// The fingerprint lives in src/ because the drill proves its restore with it too.
export { fingerprintDatabase, schemaDump, type DatabaseFingerprint } from '../../src/postgres/database-fingerprint.js';
