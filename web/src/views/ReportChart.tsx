// One Chart.js chart of the reports page: a canvas that names what it shows (role="img" with a
// summary), redrawn when its figures change and resized for print. Its numbers are always in a
// table beside it, which the caller lays out.
import { useEffect, useRef } from "react";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from "chart.js";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

export type Series = ChartDataset<"bar" | "line", (number | null)[]>;

/** A colour of the page's scale (styles.css), for a chart drawn on a canvas. */
export function cssColour(variable: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(variable).trim() || fallback;
}

export function ReportChart({
  labels,
  datasets,
  summary,
  horizontal = false,
  stacked = false,
  yTitle,
  percent = false,
  height = "16rem",
}: {
  labels: string[];
  datasets: Series[];
  summary: string;
  horizontal?: boolean;
  stacked?: boolean;
  yTitle?: string;
  percent?: boolean;
  height?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar" | "line", (number | null)[], string> | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    const value = horizontal ? "x" : "y";
    const config: ChartConfiguration<"bar" | "line", (number | null)[], string> = {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: {
          [horizontal ? "y" : "x"]: { stacked, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
          [value]: {
            stacked,
            beginAtZero: true,
            ...(percent ? { max: 100 } : {}),
            title: { display: Boolean(yTitle), text: yTitle ?? "" },
            ticks: { precision: 0, ...(percent ? { callback: (v: string | number) => `${v} %` } : {}) },
          },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    };
    chart.current = new Chart(canvas.current, config);
    // Printed pages are narrower than the screen: draw again at the paper's width, and back.
    const resize = () => chart.current?.resize();
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    return () => {
      window.removeEventListener("beforeprint", resize);
      window.removeEventListener("afterprint", resize);
      chart.current?.destroy();
      chart.current = null;
    };
  }, [horizontal, stacked, yTitle, percent]);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = labels;
    current.data.datasets = datasets;
    current.update("none");
  });

  return (
    <div className="rp-canvas" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={summary} />
    </div>
  );
}
