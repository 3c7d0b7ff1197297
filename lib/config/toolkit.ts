import type { ConfigProblems } from './problems.js';

/*
 * The building blocks of every config section (storage, alerts, databases, network, jobs, monitoring):
 * defaults merged under what the user wrote, and checks that record one problem naming the field and
 * echoing the value. Each check returns whether the value passed, so a section can skip the checks
 * that depend on it.
 */

/** `value` without its undefined members: what a user wrote, ready to spread over the defaults. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The defaults with every member the user gave; a member left out or undefined keeps its default. */
export function withDefaults<T extends object>(defaults: Required<T>, value: T | undefined): Required<T> {
  return { ...defaults, ...definedOnly(value ?? {}) };
}

/** A text rule shared by several sections: the pattern and the words after "`field` (value)". */
export interface TextRule {
  readonly pattern: RegExp;
  /** Like `must be a VPC id like vpc-0123456789abcdef0`. */
  readonly requirement: string;
}

/** Records a problem unless `value` is a string matching `rule`. */
export function checkText(value: unknown, rule: TextRule, field: string, problems: ConfigProblems): value is string {
  if (typeof value === 'string' && rule.pattern.test(value)) return true;
  problems.add(field, value, rule.requirement);
  return false;
}

/** Records "must be one of a, b, c" unless `value` is one of `choices`. */
export function checkOneOf<T>(value: unknown, choices: readonly T[], field: string, problems: ConfigProblems): value is T {
  if (choices.includes(value as T)) return true;
  problems.add(field, value, `must be one of ${choices.join(', ')}`);
  return false;
}

/** An inclusive range of whole numbers, with the unit and the reason the message names. */
export interface WholeNumberRange {
  readonly min: number;
  readonly max: number;
  /** Like `days`: "a whole number of days from 1 to 36500". @default - no unit */
  readonly unit?: string;
  /** Whose limit it is, like `Fargate's range`. @default - none */
  readonly reason?: string;
}

export function isWholeNumberIn(value: unknown, range: Pick<WholeNumberRange, 'min' | 'max'>): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** Records "must be a whole number [of <unit>] from <min> to <max> [(<reason>)]" unless `value` is one. */
export function checkWholeNumber(value: unknown, range: WholeNumberRange, field: string, problems: ConfigProblems): value is number {
  if (isWholeNumberIn(value, range)) return true;
  const unit = range.unit ? ` of ${range.unit}` : '';
  const reason = range.reason ? ` (${range.reason})` : '';
  problems.add(field, value, `must be a whole number${unit} from ${range.min} to ${range.max}${reason}`);
  return false;
}
