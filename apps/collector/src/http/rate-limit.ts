import { createHmac, randomBytes } from 'node:crypto';
import { BlockList, isIP, isIPv6 } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import { tierOfPass, tiers } from '@patron/priority';
import type { ErrorCode } from '@patron/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { SettingsError } from '../config/settings.js';
import { siteSecret } from './admin-auth.js';
import type { AppEnv } from './env.js';
import { HttpError } from './errors.js';

declare module 'hono' {
  interface ContextVariableMap {
    rateLimits: RateLimits;
  }
}

/** Token-bucket limits on `POST /v1/events` and `POST /v1/offer`. A rate of 0 turns that limit off. */
export interface RateLimitSettings {
  /** Requests per second that one client address may send, on average. */
  addressRate: number;
  /** Requests that one client address may send at once after a quiet spell: the bucket's size. */
  addressBurst: number;
  /** Requests per second that one site may receive from all clients together, on average. */
  siteRate: number;
  siteBurst: number;
  /**
   * Reverse proxies in front of the collector. With 1 or more, the client address is the entry of
   * X-Forwarded-For that the outermost proxy added; with 0, it is the TCP peer.
   */
  trustedProxies: number;
}

/**
 * A page sends at most one batch of events per second and one offer request per page view, so one
 * visitor stays far below 10 requests per second. The burst of 60 covers a browser that restores
 * many tabs at once, and several visitors behind one address. A site's limit is meant to keep one
 * site from starving the others on a shared collector, not to limit a busy shop.
 */
export const rateLimitDefaults: RateLimitSettings = { addressRate: 10, addressBurst: 60, siteRate: 1000, siteBurst: 5000, trustedProxies: 0 };

/** Environment variables of the rate limits, by setting. */
export const rateLimitVariables = {
  addressRate: 'PATRON_RATE_LIMIT_PER_ADDRESS',
  addressBurst: 'PATRON_RATE_LIMIT_ADDRESS_BURST',
  siteRate: 'PATRON_RATE_LIMIT_PER_SITE',
  siteBurst: 'PATRON_RATE_LIMIT_SITE_BURST',
  trustedProxies: 'PATRON_TRUST_PROXY',
} as const satisfies Record<keyof RateLimitSettings, string>;

/** Reads the rate limits from the environment; an unset or empty variable keeps its default. */
export function readRateLimitSettings(env: NodeJS.ProcessEnv): RateLimitSettings {
  const settings = { ...rateLimitDefaults };
  for (const [key, name] of Object.entries(rateLimitVariables) as Array<[keyof RateLimitSettings, string]>) {
    const text = env[name]?.trim();
    if (!text) continue;
    const value = Number(text);
    const whole = key === 'trustedProxies' || key.endsWith('Burst');
    if (!/^\d+(\.\d+)?$/.test(text) || (whole && !Number.isInteger(value))) {
      throw new SettingsError(`${name} must be ${whole ? 'a whole number' : 'a number'} of 0 or more, received "${text}"`);
    }
    settings[key] = value;
  }
  for (const [rate, burst] of [['addressRate', 'addressBurst'], ['siteRate', 'siteBurst']] as const) {
    if (settings[rate] > 0 && settings[burst] < 1) {
      throw new SettingsError(`${rateLimitVariables[burst]} must be 1 or more while ${rateLimitVariables[rate]} is above 0, received ${settings[burst]}`);
    }
  }
  return settings;
}

/** Token buckets by key: each holds up to `burst` tokens, refills at `rate` tokens per second and spends one per request. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private sweptAt = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    /** Most buckets kept. Full buckets are dropped first, because a missing bucket counts as full. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Spends a token of `key` at `now` (epoch milliseconds); returns 0 when there was one, else the seconds until there will be. */
  take(key: string, now: number): number {
    this.sweep(now);
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.rate) : this.burst;
    // Deleting first moves the key to the end of the map, so the map stays in order of last use.
    this.buckets.delete(key);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, updatedAt: now });
      return 0;
    }
    this.buckets.set(key, { tokens, updatedAt: now });
    return (1 - tokens) / this.rate;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops full buckets once a minute, or when there are too many, and then the least recently used ones. */
  private sweep(now: number): void {
    if (this.buckets.size < this.maxKeys && now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
    // Dropping a bucket that is not full gives its client a full one, so this happens only when
    // more clients than maxKeys are active at once.
    const target = Math.floor(this.maxKeys * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * Loopback, private, link-local and shared (RFC 6598) networks. A reverse proxy on the same host
 * or in the same container network connects from one of them, and every visitor would then share
 * its address, so these addresses get no limit of their own.
 */
const LOCAL_NETWORKS = new BlockList();
for (const [network, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  LOCAL_NETWORKS.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) LOCAL_NETWORKS.addSubnet(network, prefix, 'ipv6');

/** True for an address of a loopback, private, link-local or shared network. */
export function isLocalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOCAL_NETWORKS.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Returns the string a client address is limited by. An IPv6 host usually has a whole /64 network
 * to pick addresses from, so IPv6 addresses count by their /64 prefix. IPv4-mapped IPv6
 * addresses count as their IPv4 address.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;

  const [head = '', tail] = address.split('%')[0]!.split('::');
  const groupCount = (part: string) => (part ? part.split(':').reduce((count, group) => count + (group.includes('.') ? 2 : 1), 0) : 0);
  const zeros = tail === undefined ? [] : Array<string>(8 - groupCount(head) - groupCount(tail)).fill('0');
  const groups = [...(head ? head.split(':') : []), ...zeros, ...(tail ? tail.split(':') : [])];
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`;
}

/** Removes a port that some proxies add: "203.0.113.7:51234" or "[2001:db8::1]:443". */
function withoutPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1]!;
  const ipv4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return ipv4 ? ipv4[1]! : address;
}

/**
 * Returns the client's address: with trusted proxies, the entry of X-Forwarded-For that the
 * outermost one added (each proxy appends the address it received the request from), else the
 * TCP peer. Returns undefined when there is neither, as for requests made in process by tests.
 */
export function clientAddress(c: Context, trustedProxies: number): string | undefined {
  if (trustedProxies > 0) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').map((entry) => entry.trim()).filter(Boolean) ?? [];
    const entry = forwarded[Math.max(0, forwarded.length - trustedProxies)];
    if (entry) return withoutPort(entry);
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** True when the request's pass (the `pass` query parameter or the `X-Patron-Pass` header) is valid for the site and states the top tier. */
function hasTopTierPass(c: Context, siteKey: string): boolean {
  const site = (c.var as Partial<AppEnv['Variables']>).sites?.get(siteKey);
  if (!site) return false;
  const secretOf = (key: string) => (key === site.key ? siteSecret(site) : undefined);
  return tierOfPass(c.req.query('pass') ?? c.req.header('x-patron-pass'), secretOf) === tiers[0];
}

// Clients act on the status, 429, and retry after Retry-After.
const RATE_LIMITED: ErrorCode = 'rate_limited';

type Route = 'events' | 'offer';
type Limit = 'address' | 'site';

export interface RateLimitOptions {
  settings: RateLimitSettings;
  registry: Registry;
  logger: Logger;
}

/**
 * Creates the collector's rate limits. Buckets of client addresses are keyed by an HMAC of the
 * address with a random key made at start and kept only in memory, so neither the buckets nor
 * the logs contain an address.
 */
export function createRateLimits({ settings, registry, logger }: RateLimitOptions) {
  const hashKey = randomBytes(32);
  const hash = (text: string) => createHmac('sha256', hashKey).update(text).digest('base64url').slice(0, 22);
  const addresses = settings.addressRate > 0 ? new TokenBuckets(settings.addressRate, settings.addressBurst) : undefined;
  const sites = settings.siteRate > 0 ? new TokenBuckets(settings.siteRate, settings.siteBurst) : undefined;
  const rejected = new Counter({
    name: 'patron_requests_rate_limited_total',
    help: 'Event and offer requests rejected with 429, by route and by the limit they exceeded: "address" or "site".',
    labelNames: ['route', 'limit'],
    registers: [registry],
  });

  // Rejections are logged at most once a minute, with their count, so that a flood does not flood the log too.
  let unlogged = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  let warnedAboutProxy = false;
  const noteRejection = (route: Route, limit: Limit, now: number) => {
    rejected.inc({ route, limit });
    unlogged++;
    if (now - loggedAt < 60_000) return;
    logger.warn({ rejected: unlogged, route, limit }, 'requests rate limited; see patron_requests_rate_limited_total for the counts by route and limit');
    unlogged = 0;
    loggedAt = now;
  };

  const reject = (c: Context, route: Route, limit: Limit, waitSeconds: number, siteKey?: string): never => {
    noteRejection(route, limit, Date.now());
    c.header('Retry-After', String(Math.max(1, Math.ceil(waitSeconds))));
    const outcome = route === 'events' ? 'nothing was stored' : 'no offer was decided';
    const message =
      limit === 'address'
        ? `This client address sent more than ${settings.addressRate} requests per second (bursts of ${settings.addressBurst}); ${outcome}, so retry after the Retry-After seconds`
        : `Site "${siteKey}" received more than ${settings.siteRate} requests per second (bursts of ${settings.siteBurst}); ${outcome}, so retry after the Retry-After seconds`;
    throw new HttpError(429, RATE_LIMITED, message);
  };

  const routeOf = (c: Context): Route => (c.req.path.startsWith('/v1/offer') ? 'offer' : 'events');

  const limits = {
    settings,
    /** Rejects a request over its client address's limit with 429, before its body is read. */
    middleware: (async (c, next) => {
      c.set('rateLimits', limits);
      if (addresses) {
        const address = clientAddress(c, settings.trustedProxies);
        if (!warnedAboutProxy && settings.trustedProxies === 0 && c.req.header('x-forwarded-for') !== undefined) {
          warnedAboutProxy = true;
          logger.warn(
            'requests carry X-Forwarded-For, but PATRON_TRUST_PROXY is not set, so the per-address rate limit applies to the proxy instead of each client; set PATRON_TRUST_PROXY=1 when one reverse proxy is the only way to reach the collector',
          );
        }
        if (address !== undefined && !isLocalAddress(address)) {
          const wait = addresses.take(hash(addressKey(address)), Date.now());
          if (wait > 0) reject(c, routeOf(c), 'address', wait);
        }
      }
      await next();
    }) satisfies MiddlewareHandler,
    /**
     * Throws a 429 when the site is over its limit, unless the request carries a valid pass of the
     * top tier, whose requests the site's limit never rejects. Call it once the site key is known.
     */
    checkSite(c: Context, siteKey: string): void {
      if (!sites) return;
      const wait = sites.take(siteKey, Date.now());
      // The pass is checked only for a request over the limit, so its HMAC costs nothing below it.
      if (wait > 0 && !hasTopTierPass(c, siteKey)) reject(c, routeOf(c), 'site', wait, siteKey);
    },
  };
  return limits;
}

export type RateLimits = ReturnType<typeof createRateLimits>;
