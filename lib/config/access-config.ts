import type { ConfigProblems } from './problems.js';
import { checkText, type TextRule } from './toolkit.js';

/**
 * The roles people assume to look at and restore backups (lib/access/operator-roles.ts). Each role trusts only the
 * principals listed here. The third role of the access model, the break-glass role, is not created by the app: see
 * `protection.breakGlassRoleName` and docs/security.md.
 */
export interface AccessConfig {
  /**
   * Who may assume the viewer role (`<appName>-viewer`): `pg-backup list` and `status` on every database, and the
   * dashboards. It reads the catalog (pointers, manifests, verification and restore records) and never a dump.
   * @default - no viewer role
   */
  readonly viewers?: readonly string[];
  /**
   * Who may restore which databases: one role per entry (`<appName>-restorer-<name>`), assumed with MFA only. It
   * reads and decrypts those databases' backups, starts restores of archived ones, writes safety dumps, restore
   * and verification records, and notifies the alert topic.
   * @default - no restorer role
   */
  readonly restorers?: readonly RestorerConfig[];
}

/** One restorer role: who may assume it and which databases it restores. */
export interface RestorerConfig {
  /** Names the role `<appName>-restorer-<name>`: lower-case letters, digits and hyphens. */
  readonly name: string;
  /** ARNs of the IAM users, roles or accounts (`arn:aws:iam::<account>:root`) that may assume it. */
  readonly principals: readonly string[];
  /** Ids of `databases` whose backups it may read and restore. */
  readonly databases: readonly string[];
}

export const ACCESS_RULES = {
  principal: {
    pattern: /^arn:aws(-[a-z]+)*:iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/,
    requirement:
      'must be the ARN of an IAM user, role or account root, like arn:aws:iam::123456789012:role/oncall (an assumed-role session ARN is not a principal)',
  },
  restorerName: {
    pattern: /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/,
    requirement: 'must be 1 to 24 lower-case letters, digits and hyphens, not starting or ending with a hyphen',
  },
} as const satisfies Record<string, TextRule>;

/** `<appName>-viewer`. */
export function viewerRoleName(appName: string): string {
  return `${appName}-viewer`;
}

/** `<appName>-restorer-<name>`. */
export function restorerRoleName(appName: string, name: string): string {
  return `${appName}-restorer-${name}`;
}

/** Records every problem of the `access` section; `databaseIds` are the ids of `databases`. */
export function validateAccessConfig(
  access: AccessConfig | undefined,
  path: string,
  context: { readonly appName: string; readonly databaseIds: readonly string[] },
  problems: ConfigProblems,
): void {
  if (access === undefined) return;
  if (access.viewers !== undefined) checkPrincipals(access.viewers, `${path}.viewers`, problems);
  if (access.restorers === undefined) return;
  if (!Array.isArray(access.restorers)) {
    problems.add(`${path}.restorers`, access.restorers, 'must be a list of { name, principals, databases }');
    return;
  }
  const names = new Map<string, number>();
  access.restorers.forEach((restorer, i) => {
    const at = `${path}.restorers[${i}]`;
    if (checkText(restorer.name, ACCESS_RULES.restorerName, `${at}.name`, problems)) {
      const first = names.get(restorer.name);
      if (first !== undefined) problems.add(`${at}.name`, restorer.name, `duplicates ${path}.restorers[${first}].name (each names a role)`);
      else names.set(restorer.name, i);
      const roleName = restorerRoleName(context.appName, restorer.name);
      if (roleName.length > 64) {
        problems.add(`${at}.name`, restorer.name, `makes the role name ${roleName} longer than IAM's 64 characters: shorten it or appName`);
      }
    }
    checkPrincipals(restorer.principals, `${at}.principals`, problems);
    const databases = restorer.databases;
    if (!Array.isArray(databases) || databases.length === 0) {
      problems.add(`${at}.databases`, databases, 'must list at least one id of `databases` (the backups this role may restore)');
      return;
    }
    databases.forEach((id, j) => {
      if (!context.databaseIds.includes(id)) {
        problems.add(`${at}.databases[${j}]`, id, `must be the id of a configured database (${context.databaseIds.join(', ')})`);
      } else if (databases.indexOf(id) !== j) {
        problems.add(`${at}.databases[${j}]`, id, 'is listed twice');
      }
    });
  });
}

function checkPrincipals(principals: unknown, field: string, problems: ConfigProblems): void {
  if (!Array.isArray(principals) || principals.length === 0) {
    problems.add(field, principals, 'must list at least one principal ARN (leave the role out to have none)');
    return;
  }
  principals.forEach((principal: unknown, i) => {
    if (checkText(principal, ACCESS_RULES.principal, `${field}[${i}]`, problems) && principals.indexOf(principal) !== i) {
      problems.add(`${field}[${i}]`, principal, 'is listed twice');
    }
  });
}
