// Chart draws an Apache ECharts option into a card, with the same figures as a table
// and a CSV download beside it. Each chart registers itself under window.laborx.charts
// by id, so tests (and curious users in the devtools) can read what it shows.
import { useEffect, useRef } from 'preact/hooks';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, SankeyChart, FunnelChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, TitleComponent, AriaComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { useI18n } from './i18n.js';
import { downloadCSV } from './csv.js';

echarts.use([BarChart, LineChart, SankeyChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent,
  TitleComponent, AriaComponent, SVGRenderer]);

window.laborx = window.laborx || { charts: {} };

export const palette = ['#1565c0', '#e65100', '#2e7d32', '#6a1b9a', '#c62828', '#00838f', '#f9a825', '#4e342e'];

function EChart({ id, option, height, label }) {
  const el = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = echarts.init(el.current, null, { renderer: 'svg' });
    window.laborx.charts[id] = chart.current;
    const ro = new ResizeObserver(() => chart.current?.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      delete window.laborx.charts[id];
      chart.current.dispose();
    };
  }, [id]);
  useEffect(() => {
    chart.current.setOption({ color: palette, aria: { enabled: true }, animation: false, ...option }, true);
  }, [option]);
  return <div ref={el} class="chart" style={{ height: height + "px" }} role="img" aria-label={label} data-chart={id} />;
}

// ChartCard: title, chart, then a disclosure with the table and the CSV button.
export function ChartCard({ id, title, option, columns, rows, height = 320, summary, children }) {
  const { t } = useI18n();
  const empty = !rows || rows.length === 0;
  return (
    <section class="card" aria-labelledby={id + '-title'} data-card={id}>
      <header class="card-head">
        <h2 id={id + '-title'}>{title}</h2>
        <button type="button" class="btn small" disabled={empty}
          onClick={() => downloadCSV(id + '.csv', columns, rows.map((r) => r))}>
          {t('downloadCSV')}
        </button>
      </header>
      {summary}
      {empty ? <p class="muted">{t('noData')}</p> : <EChart id={id} option={option} height={height} label={title} />}
      {children}
      {!empty && (
        <details class="table-wrap">
          <summary>{t('table')}</summary>
          <DataTable id={id} columns={columns} rows={rows} />
        </details>
      )}
    </section>
  );
}

export function DataTable({ id, columns, rows }) {
  const { num } = useI18n();
  return (
    <div class="scroll-x">
      <table data-table={id}>
        <thead>
          <tr>{columns.map((c) => <th scope="col" class={c.numeric ? 'num' : ''}>{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {columns.map((c) => (
                <td class={c.numeric ? 'num' : ''} data-key={c.key} data-value={r[c.key]}>
                  {c.format ? c.format(r[c.key], r) : c.numeric ? num(r[c.key]) : r[c.key]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
