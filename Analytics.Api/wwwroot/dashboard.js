// The analytics dashboard: reads the same API any client uses, draws its charts as inline SVG (no libraries, no
// CDN) and says how fresh the numbers are. Refreshes itself every /dashboard/settings refreshSeconds (or ?refresh=N).
// Money is never added across currencies: every amount on the page is in the selected currency (?currency=XXX, or
// the one with the most orders), and every question is asked with it.
// Nothing is asked before a person signs in with a bearer token (analytics:read); the page itself holds no secret.
const $ = (id) => document.getElementById(id);
const count = new Intl.NumberFormat('en-US');
const moneyFormats = new Map();
const money = {
  format(value) {
    if (!moneyFormats.has(currency)) {
      moneyFormats.set(currency, new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'code', minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    }
    return moneyFormats.get(currency).format(value);
  },
};
const svgNs = 'http://www.w3.org/2000/svg';

let settings = { refreshSeconds: 5, lagWarningMs: 5000 };
let lastAsOf = null;
let lastRefresh = null;
let currency = new URLSearchParams(location.search).get('currency');

// The person's bearer token, pasted into the sign-in form: kept in this tab's sessionStorage only, never in the page.
const tokenKey = 'polyglot-aspire.token';
const token = {
  get: () => sessionStorage.getItem(tokenKey),
  set: (value) => sessionStorage.setItem(tokenKey, value),
  clear: () => sessionStorage.removeItem(tokenKey),
};

class SignInNeeded extends Error {}

async function getJson(path) {
  const current = token.get();
  if (!current) throw new SignInNeeded('sign in first');
  const response = await fetch(path, { headers: { accept: 'application/json', authorization: `Bearer ${current}` } });
  if (response.status === 401) throw new SignInNeeded('the token was refused (expired or not valid): sign in again');
  if (response.status === 403) throw new SignInNeeded('the token lacks the analytics:read scope');
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// Without a usable token: the sign-in prompt, no data (what was shown is cleared).
function showSignIn(message = '') {
  token.clear();
  $('dashboard').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  $('freshness').className = 'freshness unknown';
  $('freshness-text').textContent = 'signed out';
  document.querySelectorAll('.chart, #top-customers').forEach((e) => e.replaceChildren());
}

function showDashboard() {
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  $('signout').hidden = false;
}

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function chartWidth(container) {
  return Math.max(320, Math.floor(container.clientWidth || 640));
}

function barChart(container, rows, label, value, format) {
  container.replaceChildren();
  if (rows.length === 0) { container.innerHTML = '<p class="empty">no data yet</p>'; return; }
  // Drawn at the container's pixel width (no viewBox scaling), so text is the same size in every card.
  const rowHeight = 26, labelWidth = 130, width = chartWidth(container), height = rows.length * rowHeight + 4;
  const max = Math.max(...rows.map(value), 0) || 1;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2, w = Math.max(1, (value(row) / max) * (width - labelWidth - 120));
    chart.append(svg('text', { x: 0, y: y + 16 }, label(row)));
    chart.append(svg('rect', { class: 'bar', x: labelWidth, y: y + 3, width: w, height: rowHeight - 8, rx: 3 }));
    const text = svg('text', { class: 'value', x: labelWidth + w + 6, y: y + 16, 'data-key': label(row), 'data-value': value(row) }, format(value(row)));
    chart.append(text);
  });
  container.append(chart);
}

function lineChart(container, rows, days) {
  container.replaceChildren();
  const byDay = new Map(rows.map((r) => [r.key, r.revenue]));
  const points = days.map((day) => ({ day, revenue: byDay.get(day) ?? 0 }));
  const width = chartWidth(container), height = 180, pad = 28;
  const max = Math.max(...points.map((p) => p.revenue), 0) || 1;
  const x = (i) => pad + (i * (width - 2 * pad)) / Math.max(1, points.length - 1);
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  chart.append(svg('path', { class: 'line', d: points.map((p, i) => `${i ? 'L' : 'M'}${x(i)},${y(p.revenue)}`).join(' ') }));
  points.forEach((p, i) => chart.append(svg('circle', { cx: x(i), cy: y(p.revenue), r: 2.5, fill: 'currentColor', 'data-key': p.day, 'data-value': p.revenue })));
  chart.append(svg('text', { x: pad, y: height - 6 }, days[0]));
  chart.append(svg('text', { x: width - pad - 60, y: height - 6 }, days[days.length - 1]));
  chart.append(svg('text', { x: pad, y: 12 }, `max ${money.format(max)}`));
  container.append(chart);
}

function lastDays(n) {
  const days = [];
  const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
  for (let i = n - 1; i >= 0; i--) days.push(new Date(today.getTime() - i * 86400000).toISOString().slice(0, 10));
  return days;
}

function showFreshness(answer) {
  lastAsOf = answer.asOf ? new Date(answer.asOf) : null;
  const badge = $('freshness');
  const lag = answer.lagMs;
  badge.className = 'freshness ' + (lag === null || lag === undefined ? 'warning' : lag > settings.lagWarningMs ? 'warning' : 'ok');
  badge.dataset.lagMs = lag ?? '';
  badge.dataset.source = answer.source;
  tick();
}

function ago(date) {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  return seconds < 60 ? `${seconds} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
}

function tick() {
  const badge = $('freshness');
  const lag = badge.dataset.lagMs;
  if (!badge.classList.contains('error')) {
    $('freshness-text').textContent = lastAsOf
      ? `data as of ${lastAsOf.toISOString().slice(11, 19)} UTC (${ago(lastAsOf)}) · lag ${lag === '' ? 'unknown' : count.format(Number(lag)) + ' ms'}`
        + (lag !== '' && Number(lag) > settings.lagWarningMs ? ' · behind' : '')
      : 'nothing synchronised yet';
  }
  if (lastRefresh) $('updated').textContent = `last updated ${ago(lastRefresh)}`;
}

// The currencies there are orders in, most orders first; keeps the choice, or picks the one with the most orders.
function showCurrencies(byCurrency) {
  const select = $('currency');
  const codes = [...byCurrency].sort((a, b) => b.orders - a.orders || a.currency.localeCompare(b.currency)).map((c) => c.currency);
  if (currency && !codes.includes(currency)) codes.push(currency);
  if (!currency && codes.length > 0) currency = codes[0];
  if ([...select.options].map((o) => o.value).join() !== codes.join()) {
    select.replaceChildren(...codes.map((code) => new Option(code, code)));
  }
  select.value = currency ?? '';
  document.querySelectorAll('.in-currency').forEach((e) => { e.textContent = currency ? `(${currency})` : ''; });
}

async function refresh() {
  try {
    const all = await getJson('/api/analytics/summary');
    showCurrencies(all.data.byCurrency);
    if (!currency) { lastRefresh = new Date(); showFreshness(all); return; }
    const days = lastDays(30);
    const c = `currency=${encodeURIComponent(currency)}`;
    const [summary, regions, daily, customers] = await Promise.all([
      getJson(`/api/analytics/summary?${c}`),
      getJson(`/api/analytics/revenue?groupBy=region&${c}`),
      getJson(`/api/analytics/revenue?groupBy=day&from=${days[0]}&to=${days[days.length - 1]}&${c}`),
      getJson(`/api/analytics/top-customers?limit=10&${c}`),
    ]);
    const s = summary.data.byCurrency[0] ?? { orders: 0, revenue: 0, averageOrderValue: 0, byStatus: [] };
    $('kpi-orders').textContent = count.format(s.orders); $('kpi-orders').dataset.value = s.orders;
    $('kpi-revenue').textContent = money.format(s.revenue); $('kpi-revenue').dataset.value = s.revenue;
    $('kpi-aov').textContent = money.format(s.averageOrderValue); $('kpi-aov').dataset.value = s.averageOrderValue;
    barChart($('chart-region'), regions.data, (r) => r.key, (r) => r.revenue, (v) => money.format(v));
    lineChart($('chart-daily'), daily.data, days);
    barChart($('chart-status'), s.byStatus, (r) => r.status, (r) => r.orders, (v) => count.format(v));
    $('top-customers').replaceChildren(...customers.data.map((c) => {
      const tr = document.createElement('tr');
      tr.dataset.customer = c.customerId; tr.dataset.revenue = c.revenue;
      tr.innerHTML = '<td></td><td class="num"></td><td class="num"></td>';
      tr.children[0].textContent = c.customerId;
      tr.children[1].textContent = count.format(c.orders);
      tr.children[2].textContent = money.format(c.revenue);
      return tr;
    }));
    lastRefresh = new Date();
    showFreshness(summary);
  } catch (error) {
    if (error instanceof SignInNeeded) { showSignIn(error.message); return; }
    $('freshness').className = 'freshness error';
    $('freshness-text').textContent = `cannot refresh: ${error.message}`;
  }
}

const refreshOverride = Number(new URLSearchParams(location.search).get('refresh'));

async function signedIn() {
  showDashboard();
  try { settings = await getJson('/dashboard/settings'); } catch { /* defaults */ }
  if (refreshOverride > 0) settings.refreshSeconds = refreshOverride;
  await refresh();
}

// Refreshes while signed in, at the period the settings say (known only once signed in).
function scheduleRefresh() {
  setTimeout(async () => {
    if (token.get()) await refresh();
    scheduleRefresh();
  }, settings.refreshSeconds * 1000);
}

async function start() {
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token.set($('token').value.trim());
    $('token').value = '';
    signedIn();
  });
  $('signout').addEventListener('click', () => showSignIn());
  $('currency').addEventListener('change', (event) => {
    currency = event.target.value;
    const url = new URL(location.href);
    url.searchParams.set('currency', currency);
    history.replaceState(null, '', url);
    refresh();
  });
  if (refreshOverride > 0) settings.refreshSeconds = refreshOverride;
  if (token.get()) await signedIn(); else showSignIn();
  scheduleRefresh();
  setInterval(tick, 1000);
}

start();
