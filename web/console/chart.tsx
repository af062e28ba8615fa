import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** uPlot's code (~20 KiB gzip) is loaded with the first chart, so pages without one never fetch it. */
const loadUplot = () => import('uplot').then((module) => module.default);

export interface StepSeries {
  /** Epoch ms. */
  times: number[];
  values: number[];
  label: string;
  /** Tick labels for the values (a status chart: 0 healthy, 1 degraded, 2 unhealthy). */
  valueNames?: string[];
}

/**
 * A uPlot step chart sized to its container (re-sized with it). Decorative for screen readers:
 * every chart has a text summary or table next to it, and the canvas is `aria-hidden`.
 */
export interface LineSeries {
  /** Epoch ms, shared by every line. */
  times: number[];
  /** One line per entry; null is a gap (a bucket without a value). */
  lines: Array<{ label: string; values: Array<number | null> }>;
  /** Suffix of the y-axis ticks (" ms"). */
  unit: string;
  /** The time span shown, epoch ms (else the points' own, which for one point is meaningless). */
  span?: [number, number];
}

type PlotBuilder = (uPlot: typeof import('uplot'), element: HTMLDivElement, colors: { text: string; stroke: string; second: string }) => uPlot;

/** Mounts a uPlot chart built by `build` into a div sized to its container (re-sized with it). */
function Plot({ build, deps }: { build: PlotBuilder; deps: unknown[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let dispose: (() => void) | undefined;
    let cancelled = false;
    void loadUplot().then((uPlot) => {
      if (cancelled) return;
      const css = getComputedStyle(document.documentElement);
      const colors = {
        text: css.getPropertyValue('--muted').trim() || '#555',
        stroke: css.getPropertyValue('--link').trim() || '#0b57d0',
        second: css.getPropertyValue('--warn').trim() || '#b3261e',
      };
      const plot = build(uPlot, element, colors);
      element.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
      const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height: plot.height }));
      observer.observe(element);
      dispose = () => {
        observer.disconnect();
        plot.destroy();
      };
    });
    return () => {
      cancelled = true;
      dispose?.();
    };
  }, deps);
  return <div class="chart" ref={box} />;
}

const grid = { stroke: 'rgba(128,128,128,.2)' };

/**
 * A uPlot step chart (a status over time). Decorative for screen readers: every chart has a text
 * summary or table next to it, and the canvas is `aria-hidden`.
 */
export function StepChart({ series, height = 180 }: { series: StepSeries; height?: number }) {
  const names = series.valueNames;
  const build: PlotBuilder = (uPlot, element, { text, stroke }) =>
    new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: true }, y: names ? { range: [-0.2, names.length - 0.8] } : { auto: true } },
        axes: [
          { stroke: text, grid },
          {
            stroke: text,
            grid,
            size: names ? 80 : 60,
            ...(names ? { splits: () => names.map((_, index) => index), values: (_: uPlot, splits: number[]) => splits.map((value) => names[value] ?? '') } : {}),
          },
        ],
        series: [{}, { label: series.label, stroke, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: true, size: 5 } }],
      },
      [series.times.map((at) => at / 1000), series.values],
      element,
    );
  return <Plot build={build} deps={[series, height]} />;
}

/** Lines over time (latency percentiles), with a legend; decorative like `StepChart`. */
export function LineChart({ series, height = 200 }: { series: LineSeries; height?: number }) {
  const build: PlotBuilder = (uPlot, element, { text, stroke, second }) =>
    new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height,
        legend: { show: true },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: {
          x: series.span ? { time: true, range: [series.span[0] / 1000, series.span[1] / 1000] } : { time: true },
          y: { auto: true, range: (_: uPlot, min: number, max: number) => [0, Math.max(max, min + 1) * 1.1] },
        },
        axes: [
          { stroke: text, grid },
          { stroke: text, grid, size: 70, values: (_: uPlot, splits: number[]) => splits.map((value) => `${Math.round(value)}${series.unit}`) },
        ],
        series: [{}, ...series.lines.map((line, index) => ({ label: line.label, stroke: index === 0 ? stroke : second, width: 2, spanGaps: false, points: { show: series.times.length < 60, size: 4 } }))],
      },
      [series.times.map((at) => at / 1000), ...series.lines.map((line) => line.values)],
      element,
    );
  return <Plot build={build} deps={[series, height]} />;
}
