import { token, SignInNeeded } from './session.js';

// Every request the page makes goes through fetchJson: the one place that adds the bearer token.
export async function fetchJson(url, { signal } = {}) {
  const current = token.get();
  if (!current) throw new SignInNeeded('sign in first');
  const response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${current}` }, signal });
  if (response.status === 401) throw new SignInNeeded('the token was refused (expired or not valid): sign in again');
  if (response.status === 403) throw new SignInNeeded('the token lacks the analytics:read scope');
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.status === 204 ? null : response.json();
}

// The analytics endpoints' query string from the filters (names as Analytics.Api/Apis/AnalyticsRequest.cs binds them).
export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
