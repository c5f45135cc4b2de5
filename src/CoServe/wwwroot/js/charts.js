// Thin wrappers over Apache ECharts (vendored in lib/echarts) for the console's charts.
window.coserveCharts = (function () {
  const money = v => Number(v).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function init(el) {
    const existing = echarts.getInstanceByDom(el);
    if (existing) existing.dispose();
    const chart = echarts.init(el, null, { renderer: 'svg' });
    new ResizeObserver(() => chart.resize()).observe(el);
    return chart;
  }

  return {
    mada(el, d) {
      init(el).setOption({
        grid: { left: 90, right: 20, top: 30, bottom: 30 },
        tooltip: { trigger: 'axis', valueFormatter: money },
        legend: { data: [d.labels.mada, d.labels.threshold] },
        xAxis: { type: 'category', data: d.months },
        yAxis: { type: 'value', axisLabel: { formatter: v => (v / 10000).toFixed(0) + '万' } },
        series: [
          {
            name: d.labels.mada, type: 'bar', data: d.values.map((v, i) => ({
              value: v, itemStyle: { color: d.tiers[i] === 'Base' ? '#7aa6c2' : '#c27a2c' }
            }))
          },
          {
            name: d.labels.threshold, type: 'line', symbol: 'none', lineStyle: { type: 'dashed', color: '#b33' },
            data: d.months.map(() => d.threshold)
          }
        ]
      });
    },
    daily(el, d) {
      init(el).setOption({
        grid: { left: 90, right: 20, top: 20, bottom: 50 },
        tooltip: { trigger: 'axis', valueFormatter: money },
        xAxis: { type: 'category', data: d.dates },
        yAxis: { type: 'value', scale: true, axisLabel: { formatter: v => (v / 10000).toFixed(1) + '万' } },
        dataZoom: [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 8 }],
        series: [{ name: d.label, type: 'line', showSymbol: false, areaStyle: { opacity: 0.08 }, data: d.totals }]
      });
    }
  };
})();

// The web chat keeps the newest message in view.
window.coserveChat = {
  scrollToEnd(el) { if (el) el.scrollTop = el.scrollHeight; }
};
