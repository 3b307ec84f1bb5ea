/** Path of the dashboard's pages; the app mounts the dashboard here. */
export const DASHBOARD_PATH = '/dashboard';

/** Builds a dashboard link with query parameters, leaving out those that are undefined or empty. */
export function dashboardUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return `${DASHBOARD_PATH}${path}${text ? `?${text}` : ''}`;
}

/** Returns the link of one customer's page; ids contain ":" and may contain "/", so they are encoded. */
export const customerUrl = (id: string, timeZone: string | undefined) => dashboardUrl(`/customers/${encodeURIComponent(id)}`, { tz: timeZone });
