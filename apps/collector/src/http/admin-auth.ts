import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { SiteConfig } from '../config/schema.js';
import { HttpError } from './errors.js';

/** Returns the site's secret key, read from the environment when the configuration says "env:NAME". */
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
    // The collector logs at start which setting is missing; a client learns only that.
    throw new HttpError(401, 'unauthorized', `The admin API of site "${site.key}" has no secret key configured; its operator must set one`);
  }
  // RFC 7235: the scheme name is case-insensitive; the credentials are one token.
  const token = /^Bearer +(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (!token || !timingSafeEqual(digest(token), digest(secret))) {
    throw new HttpError(401, 'unauthorized', `Send the secret key of site "${site.key}" as "Authorization: Bearer <key>"`);
  }
}
