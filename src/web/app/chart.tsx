import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

// Charts with chart.js, registering only the pieces used (the bundle stays small). A canvas says nothing to a
// screen reader: each chart is an image named by a sentence that states what it shows, and the page beside it
// has the numbers as text.

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
// Darker than chart.js's grey: axis labels meet the 4.5:1 contrast a small text needs.
Chart.defaults.color = "#2b3137";
Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

export interface Series {
  readonly label: string;
  readonly data: readonly number[];
  readonly color: string;
}

export interface ChartProps {
  readonly type: "bar" | "line";
  /** What the chart shows, in a sentence: the canvas's accessible name. */
  readonly description: string;
  readonly labels: readonly string[];
  readonly series: readonly Series[];
  readonly yTitle?: string;
  readonly yMax?: number;
  readonly horizontal?: boolean;
  /** Counts: ticks at whole numbers only. */
  readonly integer?: boolean;
}

export function ChartView(props: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const data = {
    labels: [...props.labels],
    datasets: props.series.map((s) => ({
      label: s.label,
      data: [...s.data],
      backgroundColor: s.color,
      borderColor: s.color,
      borderWidth: 2,
      pointRadius: props.type === "line" ? 2 : 0,
    })),
  };
  const key = JSON.stringify(data);
  useEffect(() => {
    if (canvas.current === null) return;
    const config: ChartConfiguration<"bar" | "line"> = {
      type: props.type,
      data,
      options: {
        // Motion is not information: no animation, and a redraw on new data is instant.
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: props.horizontal === true ? "y" : "x",
        scales: {
          [props.horizontal === true ? "x" : "y"]: {
            beginAtZero: true,
            ...(props.integer === true ? { ticks: { precision: 0 } } : {}),
            ...(props.yMax === undefined ? {} : { max: props.yMax }),
            ...(props.yTitle === undefined ? {} : { title: { display: true, text: props.yTitle } }),
          },
        },
        plugins: { legend: { display: props.series.length > 1 } },
      },
    };
    chart.current = new Chart(canvas.current, config);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [props.type, props.horizontal, props.yMax, props.yTitle, props.integer]);
  useEffect(() => {
    const c = chart.current;
    if (c === null) return;
    c.data = data;
    c.update("none");
  }, [key]);
  return (
    <div class="chart">
      <canvas ref={canvas} role="img" aria-label={props.description}>
        {props.description}
      </canvas>
    </div>
  );
}
