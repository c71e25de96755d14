// The filters: date range (UTC days, inclusive), region, currency. Kept in the address (?from&to&region&currency),
// so a view can be bookmarked or shared; a change calls onChange once.
const fields = ['from', 'to', 'region', 'currency'];

export function readFilters() {
  const search = new URLSearchParams(location.search);
  return Object.fromEntries(fields.map((name) => [name, search.get(name) ?? '']));
}

export function bindFilters(form, onChange) {
  const current = readFilters();
  form.elements.from.value = current.from;
  form.elements.to.value = current.to;
  const changed = () => {
    const url = new URL(location.href);
    for (const name of fields) {
      const value = form.elements[name].value;
      if (value) url.searchParams.set(name, value); else url.searchParams.delete(name);
    }
    history.replaceState(null, '', url);
    onChange(readFilters());
  };
  form.addEventListener('change', changed);
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('reset', () => setTimeout(() => {
    form.elements.currency.value = readFilters().currency; // clearing keeps the currency: money needs one
    changed();
  }));
}

// Keeps a select's options equal to values (plus the one chosen, so a choice never silently disappears).
export function showOptions(select, values, chosen, first = []) {
  const wanted = [...values];
  if (chosen && !wanted.includes(chosen)) wanted.push(chosen);
  const options = [...first, ...wanted.map((v) => [v, v])];
  if ([...select.options].map((o) => o.value).join('\n') !== options.map(([v]) => v).join('\n')) {
    select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  }
  select.value = chosen ?? '';
}

// The trend's days (or months past 92 days): the filter's range, else the last 30 days; to defaults to today.
export function trendBuckets(filters) {
  const day = 86400000;
  const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
  const to = filters.to ? new Date(`${filters.to}T00:00:00Z`) : today;
  const from = filters.from ? new Date(`${filters.from}T00:00:00Z`) : new Date(to.getTime() - 29 * day);
  const days = Math.round((to - from) / day) + 1;
  const keys = [];
  if (days <= 92) {
    for (let t = from.getTime(); t <= to.getTime(); t += day) keys.push(new Date(t).toISOString().slice(0, 10));
    return { groupBy: 'day', from: keys[0], to: keys[keys.length - 1], keys };
  }
  for (let m = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1)); m <= to; m.setUTCMonth(m.getUTCMonth() + 1)) {
    keys.push(m.toISOString().slice(0, 7));
  }
  return { groupBy: 'month', from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10), keys };
}
