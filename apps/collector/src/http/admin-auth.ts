import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { SiteConfig } from '../config/schema.js';
import { HttpError } from './errors.js';

/** Returns the site's secret key, read from the environment when the configuration gives "env:NAME". */
export function siteSecret(site: SiteConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = site.secretKey;
  if (!configured?.startsWith('env:')) return configured;
  const value = env[configured.slice(4)];
  return value && value.length >= 24 ? value : undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares a presented key with the expected one in constant time, revealing neither nor its length. */
export const matchesSecret = (presented: string, expected: string) => timingSafeEqual(digest(presented), digest(expected));

/** Returns the token of an `Authorization: Bearer <token>` header (RFC 7235: any case of "Bearer"). */
export const bearerToken = (header: string | undefined) => /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];

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
  const token = bearerToken(c.req.header('authorization'));
  if (!token || !matchesSecret(token, secret)) {
    throw new HttpError(401, 'unauthorized', `Send the secret key of site "${site.key}" as "Authorization: Bearer <key>"`);
  }
}
