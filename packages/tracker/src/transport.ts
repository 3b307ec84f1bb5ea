/**
 * Posts a JSON body as text/plain, a "simple" request that browsers send across origins without a
 * CORS preflight. `keepalive` lets the request finish after the page is closed.
 */
export function post(url: string, body: unknown, keepalive = false): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify(body),
    keepalive,
    credentials: 'omit',
  });
}
