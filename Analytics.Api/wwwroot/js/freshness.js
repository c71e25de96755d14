// The freshness badge (visual: updated every second, not a live region) and the announcer (a polite live region
// that speaks only when the state changes: up to date, behind, cannot refresh).
const $ = (id) => document.getElementById(id);
const count = new Intl.NumberFormat('en-US');
let lastAsOf = null;
let lastRefresh = null;
let announced = null;

function ago(date) {
  const seconds = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
  return seconds < 60 ? `${seconds} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
}

function announce(state, text) {
  if (state === announced) return;
  announced = state;
  $('announcer').textContent = text;
}

export function showFreshness(answer, lagWarningMs) {
  lastAsOf = answer.asOf ? new Date(answer.asOf) : null;
  lastRefresh = new Date();
  const lag = answer.lagMs;
  const behind = lag === null || lag === undefined || lag > lagWarningMs;
  const badge = $('freshness');
  badge.className = `freshness ${behind ? 'warning' : 'ok'}`;
  badge.dataset.lagMs = lag ?? '';
  badge.dataset.source = answer.source;
  announce(behind ? 'behind' : 'ok', behind ? 'Analytics data is behind the orders.' : 'Analytics data is up to date.');
  tick();
}

export function showRefreshError(error) {
  $('freshness').className = 'freshness error';
  $('freshness-text').textContent = `cannot refresh: ${error.message}`;
  announce('error', `The page cannot refresh: ${error.message}`);
}

export function tick() {
  const badge = $('freshness');
  const lag = badge.dataset.lagMs;
  if (!badge.classList.contains('error') && badge.dataset.source !== undefined) {
    $('freshness-text').textContent = lastAsOf
      ? `data as of ${lastAsOf.toISOString().slice(11, 19)} UTC (${ago(lastAsOf)}) · lag ${lag === '' ? 'unknown' : count.format(Number(lag)) + ' ms'}`
        + (badge.classList.contains('warning') ? ' · behind' : '')
      : 'nothing synchronised yet';
  }
  if (lastRefresh) $('updated').textContent = `last updated ${ago(lastRefresh)}`;
}
