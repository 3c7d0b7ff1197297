// The fingerprint lives in src/ because the drill proves its restore with it too.
export { type DatabaseFingerprint, fingerprintDatabase, schemaDump } from '../../tools/local/database-fingerprint.js';
