// The analytics dashboard: reads the same API any client uses (js/api.js), filtered by date range, region and
// currency (js/filters.js), drawn with Chart.js (js/charts.js), and says how fresh the numbers are (js/freshness.js).
// One refresh at a time: a filter change aborts the one in flight, a poll skips while one runs, and polling stops
// while the tab is hidden. Money is never added across currencies: every amount is in the selected currency.
// Nothing is asked before a person signs in with a bearer token (analytics:read); the page itself holds no secret.
import { fetchJson, query } from './js/api.js';
import { token, SignInNeeded } from './js/session.js';
import { bindFilters, readFilters, showOptions, trendBuckets } from './js/filters.js';
import { drawChart, drawTable } from './js/charts.js';
import { showFreshness, showRefreshError, tick } from './js/freshness.js';

const $ = (id) => document.getElementById(id);
const count = new Intl.NumberFormat('en-US');
const moneyFormats = new Map();
const money = (currency) => (value) => {
  if (!moneyFormats.has(currency)) {
    moneyFormats.set(currency, new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'code', minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  }
  return moneyFormats.get(currency).format(value);
};

let settings = { refreshSeconds: 5, lagWarningMs: 5000, revenueStatuses: ['paid', 'shipped', 'delivered'] };
let inFlight = null;   // the AbortController of the refresh running, if any
let timer = null;

// A region's totals from its per-status revenue rows, with the API's definitions (orders: all; revenue and its
// average: the revenue statuses).
function regionTotals(rows) {
  const revenueRows = rows.filter((r) => settings.revenueStatuses.includes(r.key));
  const revenue = revenueRows.reduce((sum, r) => sum + r.revenue, 0);
  const revenueOrders = revenueRows.reduce((sum, r) => sum + r.orders, 0);
  return {
    orders: rows.reduce((sum, r) => sum + r.orders, 0),
    revenue: Math.round(revenue * 100) / 100,
    averageOrderValue: revenueOrders === 0 ? 0 : Math.round((revenue / revenueOrders) * 100) / 100,
    byStatus: rows.map((r) => ({ status: r.key, orders: r.orders })),
  };
}

function showKpi(id, value, format) {
  $(id).textContent = format(value);
  $(id).dataset.value = value;
}

// Without a usable token: the sign-in prompt, no data (what was shown is cleared), no polling.
function showSignIn(message = '') {
  token.clear();
  inFlight?.abort();
  clearTimeout(timer);
  timer = null;
  $('dashboard').hidden = true;
  $('filters').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  $('freshness').className = 'freshness unknown';
  delete $('freshness').dataset.source; // tick() leaves the text alone
  $('freshness-text').textContent = 'signed out';
  document.querySelectorAll('#top-customers, [id^="table-"]').forEach((e) => e.replaceChildren());
}

async function signedIn() {
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  $('filters').hidden = false;
  $('signout').hidden = false;
  try { settings = { ...settings, ...(await fetchJson('/dashboard/settings')) }; } catch { /* defaults */ }
  const override = Number(new URLSearchParams(location.search).get('refresh'));
  if (override > 0) settings.refreshSeconds = override;
  await refresh({ force: true });
}

async function load(filters, signal) {
  const range = { from: filters.from, to: filters.to };
  const all = await fetchJson(`/api/analytics/summary${query(range)}`, { signal });
  const currencies = [...all.data.byCurrency].sort((a, b) => b.orders - a.orders || a.currency.localeCompare(b.currency)).map((c) => c.currency);
  const currency = filters.currency || currencies[0];
  showOptions($('currency'), currencies, currency);
  if (!currency) return all; // no orders at all yet
  const trend = trendBuckets(filters);
  const withCurrency = { ...range, currency };
  const [regions, byStatus, series, customers] = await Promise.all([
    fetchJson(`/api/analytics/revenue${query({ groupBy: 'region', ...withCurrency })}`, { signal }),
    filters.region ? fetchJson(`/api/analytics/revenue${query({ groupBy: 'status', region: filters.region, ...withCurrency })}`, { signal }) : null,
    fetchJson(`/api/analytics/revenue${query({ groupBy: trend.groupBy, from: trend.from, to: trend.to, region: filters.region, currency })}`, { signal }),
    fetchJson(`/api/analytics/top-customers${query({ limit: 10, ...withCurrency })}`, { signal }),
  ]);
  if (signal.aborted) return null;

  const format = money(currency);
  const scope = [currency, filters.region || 'all regions'].join(', ');
  document.querySelectorAll('.in-currency').forEach((e) => { e.textContent = `(${currency})`; });
  document.querySelectorAll('.scope').forEach((e) => { e.textContent = `(${scope})`; });

  const totals = byStatus
    ? regionTotals(byStatus.data)
    : all.data.byCurrency.find((c) => c.currency === currency) ?? { orders: 0, revenue: 0, averageOrderValue: 0, byStatus: [] };
  showKpi('kpi-orders', totals.orders, (v) => count.format(v));
  showKpi('kpi-revenue', totals.revenue, format);
  showKpi('kpi-aov', totals.averageOrderValue, format);

  const regionLabels = regions.data.map((r) => r.key);
  showOptions($('region'), [...regionLabels].sort(), filters.region, [['', 'All regions']]);
  const regionValues = regions.data.map((r) => r.revenue);
  drawChart($('chart-region'), { type: 'hbar', labels: regionLabels, values: regionValues, highlight: filters.region, axisX: `Revenue (${currency})`, axisY: 'Region', format, describe: `Revenue by region in ${currency}` });
  drawTable($('table-region'), ['Region', `Revenue (${currency})`], regionLabels, regionValues, format);

  const byKey = new Map(series.data.map((r) => [r.key, r.revenue]));
  const trendValues = trend.keys.map((k) => byKey.get(k) ?? 0);
  const unit = trend.groupBy === 'day' ? 'Day (UTC)' : 'Month (UTC)';
  drawChart($('chart-trend'), { type: 'line', labels: trend.keys, values: trendValues, axisX: unit, axisY: `Revenue (${currency})`, format, describe: `Revenue per ${trend.groupBy} in ${currency}, ${filters.region || 'all regions'}, ${trend.from} to ${trend.to}` });
  drawTable($('table-trend'), [unit, `Revenue (${currency})`], trend.keys, trendValues, format);

  const statusLabels = totals.byStatus.map((s) => s.status);
  const statusValues = totals.byStatus.map((s) => s.orders);
  const orders = (v) => count.format(v);
  drawChart($('chart-status'), { type: 'bar', labels: statusLabels, values: statusValues, axisX: 'Status', axisY: 'Orders', format: orders, describe: `Orders by status, ${scope}` });
  drawTable($('table-status'), ['Status', 'Orders'], statusLabels, statusValues, orders);

  $('top-customers').replaceChildren(...customers.data.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.customer = c.customerId; tr.dataset.revenue = c.revenue;
    tr.innerHTML = '<td></td><td class="num"></td><td class="num"></td>';
    tr.children[0].textContent = c.customerId;
    tr.children[1].textContent = count.format(c.orders);
    tr.children[2].textContent = format(c.revenue);
    return tr;
  }));
  return all;
}

// The last reconciliation (GET /api/analytics/reconciliation runs one; this only reads its result: 204 before the first).
async function showReconciliation(signal) {
  const r = await fetchJson('/dashboard/reconciliation', { signal });
  if (!r) return;
  const when = new Date(r.asOf).toLocaleString();
  $('reconciliation').textContent = r.differences.length === 0
    ? `OLAP = OLTP ✓ as of ${when} (${r.buckets} buckets)`
    : `${r.differences.length} of ${r.buckets} buckets differ as of ${when}`;
  $('reconciliation').dataset.differences = r.differences.length;
}

// A poll skips while a refresh runs; a filter change (force) aborts it and starts over with the new filters.
async function refresh({ force = false } = {}) {
  if (inFlight && !force) return;
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const page = document.body;
  page.dataset.loading = 'true';
  try {
    showReconciliation(controller.signal).catch(() => { /* the line keeps its last text */ });
    const answer = await load(readFilters(), controller.signal);
    if (answer && !controller.signal.aborted) showFreshness(answer, settings.lagWarningMs);
  } catch (error) {
    if (error instanceof SignInNeeded) showSignIn(error.message);
    else if (!controller.signal.aborted) showRefreshError(error);
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      delete page.dataset.loading;
      schedule();
    }
  }
}

// The next poll, counted from the end of the last refresh; none while the tab is hidden or nobody is signed in.
function schedule() {
  clearTimeout(timer);
  timer = document.hidden || !token.get() ? null : setTimeout(refresh, settings.refreshSeconds * 1000);
}

async function start() {
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token.set($('token').value.trim());
    $('token').value = '';
    signedIn();
  });
  $('signout').addEventListener('click', () => showSignIn());
  bindFilters($('filters'), () => { if (token.get()) refresh({ force: true }); });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { clearTimeout(timer); timer = null; } else if (!inFlight && token.get()) refresh();
  });
  setInterval(tick, 1000);
  if (token.get()) await signedIn(); else showSignIn();
}

start();
