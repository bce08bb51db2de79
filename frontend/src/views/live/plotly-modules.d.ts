// plotly.js ships no types for its per-trace modules; plotly2d.ts gives the core its type.
declare module 'plotly.js/lib/*' {
  const plotlyModule: unknown;
  export default plotlyModule;
}
