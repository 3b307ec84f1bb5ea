import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { SiteConfig } from '../config/schema.js';
import { HttpError } from './errors.js';

/** The site's secret key, read from the environment when the configuration says "env:NAME". */
export function siteSecret(site: SiteConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = site.secretKey;
  if (!configured?.startsWith('env:')) return configured;
  const value = env[configured.slice(4)];
  return value && value.length >= 24 ? value : undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Throws a 401 unless the request carries `Authorization: Bearer <the site's secret key>`. The
 * keys are compared as SHA-256 digests in constant time, so the comparison reveals neither the key
 * nor its length, and the key is never logged.
 */
export function requireSecret(c: Context, site: SiteConfig): void {
  const secret = siteSecret(site);
  if (!secret) {
    const fix = site.secretKey?.startsWith('env:')
      ? `set the environment variable ${site.secretKey.slice(4)} to at least 24 characters and restart the collector`
      : 'set secretKey in its configuration';
    throw new HttpError(401, 'unauthorized', `Site "${site.key}" has no secret key; ${fix} to use the admin API`);
  }
  const [scheme, token] = (c.req.header('authorization') ?? '').split(' ');
  if (scheme !== 'Bearer' || !token || !timingSafeEqual(digest(token), digest(secret))) {
    throw new HttpError(401, 'unauthorized', `Send the secret key of site "${site.key}" as "Authorization: Bearer <key>"`);
  }
}
