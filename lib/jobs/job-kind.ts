/** The two jobs of a database. */
export type JobKind = 'dump' | 'verify';

export const JOB_KINDS: readonly JobKind[] = ['dump', 'verify'];
