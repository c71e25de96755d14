// Every request the page makes goes through fetchJson: the one place to add a header (e.g. a bearer token).
export async function fetchJson(url, { signal } = {}) {
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
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
