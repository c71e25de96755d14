// Charts drawn by Chart.js (window.Chart, vendored): axes with titles, tooltips, no animation (the page refreshes
// every few seconds). Each canvas is role="img" with an aria-label that states its data, and a table beside it holds
// the same numbers (the text alternative, and what the page test reads).
const charts = new Map();

export function drawChart(canvas, { type, labels, values, highlight, axisX, axisY, format, describe }) {
  const horizontal = type === 'hbar';
  const color = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#3556d8';
  const colors = labels.map((label) => (highlight && label !== highlight ? `${color}55` : color));
  const data = { labels, datasets: [{ data: values, backgroundColor: colors, borderColor: color, pointRadius: 2 }] };
  let chart = charts.get(canvas);
  if (!chart) {
    chart = new window.Chart(canvas, {
      type: horizontal ? 'bar' : type,
      data,
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => format(item.parsed[horizontal ? 'x' : 'y']) } },
        },
        scales: {
          x: { title: { display: true, text: axisX }, beginAtZero: horizontal, ticks: horizontal ? { callback: (v) => format(v) } : {} },
          y: { title: { display: true, text: axisY }, beginAtZero: !horizontal, ticks: horizontal ? {} : { callback: (v) => format(v) } },
        },
      },
    });
    charts.set(canvas, chart);
  } else {
    chart.data = data;
    chart.options.scales.x.title.text = axisX;
    chart.options.scales.y.title.text = axisY;
    chart.update('none');
  }
  const listed = labels.length === 0 ? 'no data' : labels.map((label, i) => `${label}: ${format(values[i])}`).join(', ');
  canvas.setAttribute('aria-label', `${describe}. ${listed}.`);
  canvas.dataset.points = String(labels.length);
}

// The chart's numbers as a table: one row per label, data-key and data-value on each row.
export function drawTable(table, headings, labels, values, format) {
  const head = document.createElement('thead');
  head.innerHTML = '<tr><th scope="col"></th><th scope="col" class="num"></th></tr>';
  head.querySelectorAll('th').forEach((th, i) => { th.textContent = headings[i]; });
  const body = document.createElement('tbody');
  labels.forEach((label, i) => {
    const tr = body.insertRow();
    tr.dataset.key = label;
    tr.dataset.value = values[i];
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    tr.append(th);
    const td = tr.insertCell();
    td.className = 'num';
    td.textContent = format(values[i]);
  });
  table.replaceChildren(head, body);
}
