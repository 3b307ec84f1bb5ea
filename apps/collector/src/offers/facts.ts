import { fromMinorUnits } from '@patron/protocol';
import type { SiteConfig } from '../config/schema.js';
import type { Db } from '../db/open.js';
import { profiles } from '../db/schema.js';
import { prepared, rowSql } from '../db/prepared.js';
import { cartQuantity, type CartLine } from '../profiles/cart.js';
import type { Interests } from '../profiles/interests.js';
import type { Facts } from './facts-catalog.js';

export interface FactsRequest {
  visitorId: string;
  sessionId?: string | undefined;
  placement?: string | undefined;
  url?: string | undefined;
  referrer?: string | undefined;
  userAgent?: string | undefined;
  now: number;
}

type ProfileRow = typeof profiles.$inferSelect;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Returns the id of the profile a visitor id belongs to, or undefined for a visitor the site has not seen. */
export function findProfileId(db: Db, siteKey: string, visitorId: string): string | undefined {
  return (prepared(db, 'SELECT profile_id AS profileId FROM identities WHERE site_key = ? AND visitor_id = ?').get(siteKey, visitorId) as { profileId: string } | undefined)?.profileId;
}

const profileRead = `${rowSql(profiles).select} WHERE site_key = ? AND id = ?`;
// A missing session id counts every session and order as earlier; NULL never equals a session id.
const earlierSessionsSql = 'SELECT count(*) AS n FROM sessions WHERE site_key = ? AND profile_id = ? AND id IS NOT ?';
const earlierOrdersSql = "SELECT count(*) AS n FROM orders WHERE site_key = ? AND profile_id = ? AND coalesce(session_id, '') IS NOT ?";

/** Computes a visitor's facts from their profile and the request; a visitor the site has not seen has none. */
export function computeFacts(db: Db, site: Pick<SiteConfig, 'key' | 'currency' | 'abandonedCartMinutes'>, profileId: string | undefined, request: FactsRequest): Facts {
  const siteKey = site.key;
  const { sessionId } = request;
  const profile = profileId ? (prepared(db, profileRead).get(siteKey, profileId) as ProfileRow | undefined) : undefined;
  const count = (query: string) => (profile ? (prepared(db, query).get(siteKey, profile.id, sessionId ?? null) as { n: number }).n : 0);
  const earlierSessions = count(earlierSessionsSql);
  const ordersBeforeThisSession = count(earlierOrdersSql);

  return {
    ...visitorFacts(profile, earlierSessions, sessionId !== undefined, request.userAgent),
    ...cartFacts(profile, site, request.now),
    ...interestFacts(profile),
    'orders.count': profile?.orders ?? 0,
    'orders.beforeThisSession': ordersBeforeThisSession,
    'orders.revenue': money(profile?.revenue ?? 0, site.currency),
    'orders.lastAt': profile?.lastOrderAt ?? null,
    'orders.daysSinceLast': profile?.lastOrderAt == null ? null : Math.floor((request.now - profile.lastOrderAt) / DAY_MS),
    ...customerFacts(profile, site.currency),
    ...pageFacts(request),
  };
}

const money = (minor: number, currency: string) => Number(fromMinorUnits(minor, currency));

function visitorFacts(profile: ProfileRow | undefined, earlierSessions: number, inSession: boolean, userAgent: string | undefined) {
  return {
    'visitor.new': earlierSessions === 0,
    'visitor.returning': earlierSessions > 0,
    'visitor.sessions': earlierSessions + (inSession ? 1 : 0),
    'visitor.pageViews': profile?.pageViews ?? 0,
    'visitor.firstSeenAt': profile?.firstSeen ?? null,
    'visitor.device': deviceOf(userAgent),
  };
}

function cartFacts(profile: ProfileRow | undefined, site: Pick<SiteConfig, 'currency' | 'abandonedCartMinutes'>, now: number) {
  const cart = profile ? (JSON.parse(profile.cart) as CartLine[]) : [];
  const quantity = cartQuantity(cart);
  const idleMs = profile?.cartUpdatedAt == null ? 0 : now - profile.cartUpdatedAt;
  return {
    'cart.quantity': quantity,
    'cart.value': money(profile?.cartValue ?? 0, site.currency),
    'cart.abandoned': quantity > 0 && idleMs >= site.abandonedCartMinutes * 60_000,
    'cart.products': cart.map((line) => line.id),
    'cart.categories': unique(cart.flatMap((line) => (line.category ? [line.category] : []))),
  };
}

function interestFacts(profile: ProfileRow | undefined) {
  const interests: Interests = profile ? (JSON.parse(profile.interests) as Interests) : { categories: {}, products: {} };
  const bought = profile ? (JSON.parse(profile.bought) as string[]) : [];
  const viewed = Object.keys(interests.products);
  const categories = Object.entries(interests.categories);
  const top = categories.reduce<[string, { count: number }] | undefined>((best, entry) => (!best || entry[1].count > best[1].count ? entry : best), undefined);
  return {
    'interests.categories': categories.map(([name]) => name),
    'interests.topCategory': top?.[0] ?? null,
    'products.viewed': viewed,
    'products.viewedNotBought': viewed.filter((id) => !bought.includes(id)),
    'products.bought': bought,
  };
}

function customerFacts(profile: ProfileRow | undefined, currency: string) {
  const rfm = profile?.rfm ? (JSON.parse(profile.rfm) as { r: number; f: number; m: number }) : undefined;
  return {
    'customer.segment': profile?.segment ?? null,
    'customer.recency': rfm?.r ?? null,
    'customer.frequency': rfm?.f ?? null,
    'customer.monetary': rfm?.m ?? null,
    'customer.tier': profile?.tier ?? null,
    'customer.probabilityAlive': profile?.probabilityAlive ?? null,
    'customer.predictedValue': profile?.predictedValue == null ? null : money(profile.predictedValue, currency),
  };
}

function pageFacts(request: FactsRequest) {
  let url: URL | undefined;
  try {
    url = request.url ? new URL(request.url) : undefined;
  } catch {
    url = undefined;
  }
  const utm = (name: string) => url?.searchParams.get(`utm_${name}`) ?? null;
  return {
    placement: request.placement ?? null,
    'page.url': request.url ?? null,
    'page.path': url?.pathname ?? null,
    'page.referrer': request.referrer ?? null,
    'utm.source': utm('source'),
    'utm.medium': utm('medium'),
    'utm.campaign': utm('campaign'),
  };
}

/** Classifies a User-Agent by form factor; iPadOS 13+ reports a desktop Safari and counts as desktop. */
function deviceOf(userAgent: string | undefined): string | null {
  if (!userAgent) return null;
  if (/iPad|Tablet|Android(?!.*Mobile)|Silk|Kindle/i.test(userAgent)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(userAgent)) return 'mobile';
  return 'desktop';
}

const unique = (values: string[]) => [...new Set(values)];
