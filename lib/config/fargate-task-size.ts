import type { ConfigProblems } from './problems.js';
import { checkWholeNumber } from './toolkit.js';

/** A Fargate task size: one of Fargate's CPU and memory combinations. */
export interface TaskSizeConfig {
  /** vCPUs: 0.25, 0.5, 1, 2, 4, 8 or 16. */
  readonly vcpu: number;
  /** Memory in GiB, within the range Fargate allows for `vcpu` (e.g. 4 to 16 for 2 vCPUs). */
  readonly memoryGiB: number;
}

export interface VerifyTaskSizeConfig extends TaskSizeConfig {
  /**
   * Ephemeral storage in GiB (21 to 200): room for the downloaded dump and the restored database.
   * Give this or `volumeGiB`, not both.
   * @default 200 (without `volumeGiB`)
   */
  readonly ephemeralStorageGiB?: number;
  /**
   * An EBS volume (gp3, encrypted with the backup key, deleted with the task) of this many GiB, attached
   * at launch in place of the ephemeral storage: for databases whose downloaded dump plus restored copy
   * exceed Fargate's 200 GiB. 1 to 16384. Size it from the manifest (docs/operations.md "Large databases").
   * @default - no volume: the ephemeral storage holds the work
   */
  readonly volumeGiB?: number;
  /**
   * Throughput of that volume in MiB/s, 125 (gp3's baseline, included) to 1000: the restore of a large
   * database writes at this rate at most.
   * @default 125
   */
  readonly volumeThroughputMiBps?: number;
}

export const FARGATE_VCPUS: readonly number[] = [0.25, 0.5, 1, 2, 4, 8, 16];

/** Fargate's ephemeral storage range, GiB. */
export const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

/** An ECS-managed gp3 volume, GiB (gp3's range). */
export const VOLUME_GIB = { min: 1, max: 16_384 } as const;

/** gp3 throughput, MiB/s: the included baseline to the maximum. */
export const VOLUME_THROUGHPUT_MIBPS = { min: 125, max: 1000 } as const;

/** gp3's included IOPS; above 750 MiB/s the volume needs 4 IOPS per MiB/s (gp3 allows 0.25 MiB/s per IOPS). */
export function gp3IopsFor(throughputMiBps: number): number {
  return Math.max(3000, throughputMiBps * 4);
}

/** Fargate's valid memory (GiB) per vCPU count (Linux). */
export function fargateMemoryChoices(vcpu: number): readonly number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
  switch (vcpu) {
    case 0.25:
      return [0.5, 1, 2];
    case 0.5:
      return range(1, 4, 1);
    case 1:
      return range(2, 8, 1);
    case 2:
      return range(4, 16, 1);
    case 4:
      return range(8, 30, 1);
    case 8:
      return range(16, 60, 4);
    case 16:
      return range(32, 120, 8);
    default:
      return [];
  }
}

/** Records every problem of a task size; `path` is like `databases[0].verifyTask`. */
export function validateTaskSize(size: VerifyTaskSizeConfig | undefined, path: string, problems: ConfigProblems): void {
  if (size === undefined) return;
  if (!FARGATE_VCPUS.includes(size.vcpu)) {
    problems.add(`${path}.vcpu`, size.vcpu, `must be one of Fargate's sizes: ${FARGATE_VCPUS.join(', ')}`);
  } else {
    const choices = fargateMemoryChoices(size.vcpu);
    if (!choices.includes(size.memoryGiB)) {
      problems.add(
        `${path}.memoryGiB`,
        size.memoryGiB,
        `must be one of ${describeChoices(choices)} GiB with ${size.vcpu} vCPU (Fargate's combinations)`,
      );
    }
  }
  if (size.ephemeralStorageGiB !== undefined) {
    checkWholeNumber(
      size.ephemeralStorageGiB,
      { ...EPHEMERAL_STORAGE_GIB, unit: 'GiB', reason: "Fargate's range" },
      `${path}.ephemeralStorageGiB`,
      problems,
    );
  }
  if (size.volumeGiB !== undefined) {
    checkWholeNumber(size.volumeGiB, { ...VOLUME_GIB, unit: 'GiB', reason: "gp3's range" }, `${path}.volumeGiB`, problems);
    if (size.ephemeralStorageGiB !== undefined) {
      problems.add(
        `${path}.ephemeralStorageGiB`,
        size.ephemeralStorageGiB,
        `must be left out when volumeGiB (${size.volumeGiB}) is given: the work goes to the volume`,
      );
    }
  }
  if (size.volumeThroughputMiBps !== undefined) {
    if (size.volumeGiB === undefined) {
      problems.add(`${path}.volumeThroughputMiBps`, size.volumeThroughputMiBps, 'needs volumeGiB (it is the throughput of that volume)');
    } else if (
      checkWholeNumber(
        size.volumeThroughputMiBps,
        { ...VOLUME_THROUGHPUT_MIBPS, unit: 'MiB/s', reason: "gp3's range" },
        `${path}.volumeThroughputMiBps`,
        problems,
      ) &&
      typeof size.volumeGiB === 'number' &&
      gp3IopsFor(size.volumeThroughputMiBps) > size.volumeGiB * 500
    ) {
      problems.add(
        `${path}.volumeThroughputMiBps`,
        size.volumeThroughputMiBps,
        `needs ${gp3IopsFor(size.volumeThroughputMiBps)} IOPS, more than gp3 allows on ${size.volumeGiB} GiB (500 IOPS per GiB)`,
      );
    }
  }
}

function describeChoices(choices: readonly number[]): string {
  if (choices.length <= 4) return choices.join(', ');
  const step = choices[1]! - choices[0]!;
  return `${choices[0]} to ${choices.at(-1)} in steps of ${step}`;
}
