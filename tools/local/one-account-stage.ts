import type { AppConfig } from '../../lib/config/app-config.js';

/**
 * A stage as the emulator can hold it: one moto server is one AWS account, so the vault's replica stays in
 * the main account, in the vault's region, and the stage is a trial (not production), which validation then
 * allows. Everything else, the keys' and buckets' protections included, is the stage's own.
 */
export function inOneAccount(config: AppConfig): AppConfig {
  const { vault, ...rest } = config;
  return { ...rest, production: false, replicaRegion: vault?.region ?? config.replicaRegion };
}
