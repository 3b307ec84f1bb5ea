/** Characters of a visitor id shown in a visitor's name, enough to tell visitors apart at a glance. */
export const VISITOR_ID_CHARS = 8;

/** Words before a shortened visitor id, as in "Visitor 3f9a2c1b". */
export const VISITOR_PREFIX = 'Visitor ';

export interface NamedProfile {
  id: string;
  userId: string | null;
  /** The profile's traits, as stored (a JSON object) or parsed. */
  traits: string | Record<string, unknown>;
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

function parseTraits(traits: NamedProfile['traits']): Record<string, unknown> {
  if (typeof traits !== 'string') return traits;
  try {
    const parsed: unknown = JSON.parse(traits);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Returns the name a person reads for a profile: the `name` trait sent with identify, else
 * `firstName` and `lastName`, else the `email` trait, else the user id, else "Visitor" and the
 * first characters of the visitor id. The customers search finds a profile by each of these.
 */
export function customerName(profile: NamedProfile): string {
  const traits = parseTraits(profile.traits);
  const name = text(traits.name) || [text(traits.firstName), text(traits.lastName)].filter(Boolean).join(' ');
  if (name) return name;
  const email = text(traits.email);
  if (email) return email;
  if (profile.userId) return profile.userId;
  if (profile.id.startsWith('v:')) return `${VISITOR_PREFIX}${profile.id.slice(2, 2 + VISITOR_ID_CHARS)}`;
  return profile.id;
}
