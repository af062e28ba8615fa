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
export function StepChart({ series, height = 180 }: { series: StepSeries; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let dispose: (() => void) | undefined;
    let cancelled = false;
    void loadUplot().then((uPlot) => {
      if (!cancelled) dispose = draw(uPlot, element);
    });
    return () => {
      cancelled = true;
      dispose?.();
    };
  }, [series, height]);
  return <div class="chart" ref={box} />;

  function draw(uPlot: typeof import('uplot'), element: HTMLDivElement): () => void {
    const css = getComputedStyle(document.documentElement);
    const text = css.getPropertyValue('--muted').trim() || '#555';
    const stroke = css.getPropertyValue('--link').trim() || '#0b57d0';
    const names = series.valueNames;
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: true }, y: names ? { range: [-0.2, names.length - 0.8] } : { auto: true } },
        axes: [
          { stroke: text, grid: { stroke: 'rgba(128,128,128,.2)' } },
          {
            stroke: text,
            grid: { stroke: 'rgba(128,128,128,.2)' },
            size: names ? 80 : 60,
            ...(names ? { splits: () => names.map((_, index) => index), values: (_: uPlot, splits: number[]) => splits.map((value) => names[value] ?? '') } : {}),
          },
        ],
        series: [{}, { label: series.label, stroke, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: true, size: 5 } }],
      },
      [series.times.map((at) => at / 1000), series.values],
      element,
    );
    element.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }
}
