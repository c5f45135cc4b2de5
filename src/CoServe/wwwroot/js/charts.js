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
    // The service officer per day: answered, clarified and handed-off messages stacked, the answer rate as a line.
    officerDays(el, d) {
      const bar = (name, data, color) => ({ name, type: 'bar', stack: 'officer', data, itemStyle: { color } });
      init(el).setOption({
        grid: { left: 60, right: 60, top: 40, bottom: 30 },
        tooltip: { trigger: 'axis' },
        legend: { data: [d.labels.answered, d.labels.clarified, d.labels.handedOff, d.labels.answerRate] },
        xAxis: { type: 'category', data: d.days },
        yAxis: [
          { type: 'value', minInterval: 1 },
          { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }
        ],
        series: [
          bar(d.labels.answered, d.answered, '#7aa6c2'),
          bar(d.labels.clarified, d.clarified, '#b9cfdd'),
          bar(d.labels.handedOff, d.handedOff, '#c27a2c'),
          { name: d.labels.answerRate, type: 'line', yAxisIndex: 1, connectNulls: true, showAllSymbol: true, symbolSize: 7, data: d.answerRate,
            lineStyle: { color: '#1e7b4f' }, itemStyle: { color: '#1e7b4f' }, tooltip: { valueFormatter: v => v == null ? '—' : v + '%' } }
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
