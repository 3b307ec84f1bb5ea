import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/open.js';
import { identities, orders, profiles, sessions } from '../db/schema.js';
import { mergeProfileRows } from './merge.js';
import { prepared } from '../db/prepared.js';

const selectLink = 'SELECT profile_id AS profileId FROM identities WHERE site_key = ? AND visitor_id = ?';
const insertLink = 'INSERT INTO identities (site_key, visitor_id, profile_id) VALUES (?, ?, ?)';

export const userProfileId = (userId: string) => `u:${userId}`;
export const visitorProfileId = (visitorId: string) => `v:${visitorId}`;

/**
 * Returns the profile an event of `visitorId` belongs to, creating the link on first sight.
 *
 * With a `userId`, the visitor's anonymous profile joins the user's profile. A visitor id already
 * linked to another user is moved to the new user for its later events, but the two users'
 * profiles are never merged. After `reset()` the tracker uses a new visitor id, so the old one
 * never reaches the next user.
 */
export function resolveProfile(tx: Tx, siteKey: string, visitorId: string, userId: string | null): string {
  const visitorKey = and(eq(identities.siteKey, siteKey), eq(identities.visitorId, visitorId));
  const linked = (prepared(tx, selectLink).get(siteKey, visitorId) as { profileId: string } | undefined)?.profileId;

  if (!userId) {
    if (linked) return linked;
    const profileId = visitorProfileId(visitorId);
    prepared(tx, insertLink).run(siteKey, visitorId, profileId);
    return profileId;
  }

  const target = userProfileId(userId);
  if (linked === target) return target;
  if (linked === undefined) {
    tx.insert(identities).values({ siteKey, visitorId, profileId: target }).run();
  } else {
    tx.update(identities).set({ profileId: target }).where(visitorKey).run();
    if (linked.startsWith('v:')) mergeProfile(tx, siteKey, linked, target);
  }
  return target;
}

/** Moves everything of profile `from` into profile `into` and deletes `from`. */
function mergeProfile(tx: Tx, siteKey: string, from: string, into: string): void {
  const key = (id: string) => and(eq(profiles.siteKey, siteKey), eq(profiles.id, id));
  const source = tx.select().from(profiles).where(key(from)).get();
  if (!source) return;
  const target = tx.select().from(profiles).where(key(into)).get();
  if (target) {
    tx.update(profiles).set(mergeProfileRows(target, source)).where(key(into)).run();
    tx.delete(profiles).where(key(from)).run();
  } else {
    tx.update(profiles).set({ id: into }).where(key(from)).run();
  }

  tx.update(identities).set({ profileId: into }).where(and(eq(identities.siteKey, siteKey), eq(identities.profileId, from))).run();
  tx.update(sessions).set({ profileId: into }).where(and(eq(sessions.siteKey, siteKey), eq(sessions.profileId, from))).run();
  tx.update(orders).set({ profileId: into }).where(and(eq(orders.siteKey, siteKey), eq(orders.profileId, from))).run();
}
