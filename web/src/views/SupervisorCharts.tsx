// The queues' last hours as small line charts (Chart.js), one per queue, with the figures in a
// table for screen readers. Read from GET /supervisor/activity, which counts the stored history.
import { useEffect, useRef, useState } from "react";
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";
import { api, unwrap, type Schemas } from "../api/client";
import { messageOf } from "../lib/problems";
import { bucketLabel, chartSummary } from "../lib/supervisor";
import { ErrorText } from "./common";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

type Activity = Schemas["ActivityRead"];
type QueueActivity = Schemas["QueueActivityRead"];

const REFRESH_MS = 15_000;
const HOURS = 4;
const BUCKET_MINUTES = 5;

// Each line in the colour of what it means: the queue in the brand colour, answered calls in
// the OK colour, failures in the bad colour.
const SERIES: { key: "waiting" | "offered" | "answered" | "failed"; label: string; colour: string; dash?: number[] }[] = [
  { key: "waiting", label: "Waiting", colour: "--brand" },
  { key: "offered", label: "Offered", colour: "--warn", dash: [4, 3] },
  { key: "answered", label: "Answered", colour: "--ok" },
  { key: "failed", label: "Failed", colour: "--bad", dash: [2, 2] },
];

function hourLabel(label: string | undefined): string {
  return label?.endsWith(":00") ? label : "";
}

function cssColour(variable: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(variable).trim() || fallback;
}

export function QueueCharts({ zone }: { zone: string }) {
  const [activity, setActivity] = useState<Activity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    unwrap(api.GET("/api/v1/workspace/supervisor/activity", { params: { query: { hours: HOURS, bucket_minutes: BUCKET_MINUTES } } }))
      .then((found) => {
        if (!live) return;
        setActivity(found);
        setError(null);
      })
      .catch((failure: unknown) => live && setError(messageOf(failure)));
    const timer = setTimeout(() => setTick((t) => t + 1), REFRESH_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tick]);

  return (
    <section aria-labelledby="charts-title" className="sv-charts">
      <h2 id="charts-title">Last {HOURS} hours</h2>
      <p className="hint">
        Per queue, in {BUCKET_MINUTES}-minute steps ({zone}): callbacks waiting at the end of each step, and offers made, calls answered and callbacks that failed or
        expired during it.
      </p>
      <ErrorText error={error} />
      <div className="sv-chart-grid">
        {activity?.queues.map((q) => (
          <QueueChart key={q.service} queue={q} buckets={activity.buckets} zone={zone} />
        ))}
      </div>
    </section>
  );
}

function QueueChart({ queue, buckets, zone }: { queue: QueueActivity; buckets: string[]; zone: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"line"> | null>(null);
  const labels = buckets.map((b) => bucketLabel(b, zone));
  const labelsRef = useRef(labels);
  labelsRef.current = labels;
  const summary = chartSummary(queue.display_name, HOURS, queue);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: "line",
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2, tension: 0.2 } },
        scales: {
          // One label an hour ("13:00"); the tooltip names every step.
          x: { grid: { display: false }, ticks: { autoSkip: false, maxRotation: 0, callback: (_value, index) => hourLabel(labelsRef.current[index]) } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 2 } } },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = labels;
    current.data.datasets = SERIES.map((s) => {
      const colour = cssColour(s.colour, "#333");
      return { label: s.label, data: queue[s.key], borderColor: colour, backgroundColor: colour, borderDash: s.dash ?? [] };
    });
    current.update("none");
  });

  return (
    <figure className="sv-chart" data-service={queue.service}>
      <figcaption>{queue.display_name}</figcaption>
      <div className="sv-chart-canvas">
        <canvas ref={canvas} role="img" aria-label={summary} />
      </div>
      <table className="visually-hidden" aria-label={`${queue.display_name}: figures`}>
        <thead>
          <tr>
            <th scope="col">From</th>
            {SERIES.map((s) => (
              <th scope="col" key={s.key}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => (
            <tr key={buckets[i]}>
              <th scope="row">{label}</th>
              {SERIES.map((s) => (
                <td key={s.key}>{queue[s.key][i]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
