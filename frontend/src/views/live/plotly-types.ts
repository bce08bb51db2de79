// The part of plotly.js's API the Live view uses.

/** A Plotly graph div, with the fields Plotly adds once it has drawn. */
export interface PlotlyDiv extends HTMLDivElement {
  data?: Array<Record<string, unknown>>;
  _fullData?: Array<{ type: string }>;
  on?(event: string, handler: (data: PlotlyEventData) => void): void;
  emit?(event: string, data: unknown): void;
  removeAllListeners?(event: string): void;
}

export interface PlotlyPoint {
  curveNumber: number;
  pointNumber: number;
  pointIndex?: number;
  customdata?: unknown;
  data?: { customdata?: unknown[] };
}

export interface PlotlyEventData {
  points?: PlotlyPoint[];
  [key: string]: unknown;
}

export interface PlotlyStatic {
  register(modules: unknown[]): void;
  react(
    gd: HTMLElement,
    data: Array<Record<string, unknown>>,
    layout: Record<string, unknown>,
    config?: Record<string, unknown>,
  ): Promise<HTMLElement>;
  purge(gd: HTMLElement): void;
  Plots: { resize(gd: HTMLElement): Promise<void> | void };
}
