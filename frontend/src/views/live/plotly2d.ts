// The 2-D plotly.js bundle: the core (scatter included) and the trace types Visdom's 2-D plots
// use. Only plotlyLoader.ts and the other plotly chunks import it, so it is a chunk of its own.
import core from 'plotly.js/lib/core';
import bar from 'plotly.js/lib/bar';
import box from 'plotly.js/lib/box';
import contour from 'plotly.js/lib/contour';
import heatmap from 'plotly.js/lib/heatmap';
import histogram from 'plotly.js/lib/histogram';
import pie from 'plotly.js/lib/pie';
import sunburst from 'plotly.js/lib/sunburst';
import type { PlotlyStatic } from './plotly-types';

const Plotly = core as PlotlyStatic;

Plotly.register([bar, box, contour, heatmap, histogram, pie, sunburst]);

export default Plotly;
