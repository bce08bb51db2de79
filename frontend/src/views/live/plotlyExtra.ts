// Trace types Visdom's own calls never make but `vis.plotlyplot(fig)` can carry. Loaded only
// when a figure uses one. Map traces (scattergeo, choropleth...) are left out: they fetch map
// data from other sites, and the dashboard never talks to another origin.
import Plotly from './plotly2d';
import barpolar from 'plotly.js/lib/barpolar';
import candlestick from 'plotly.js/lib/candlestick';
import carpet from 'plotly.js/lib/carpet';
import cone from 'plotly.js/lib/cone';
import contourcarpet from 'plotly.js/lib/contourcarpet';
import funnel from 'plotly.js/lib/funnel';
import funnelarea from 'plotly.js/lib/funnelarea';
import histogram2d from 'plotly.js/lib/histogram2d';
import histogram2dcontour from 'plotly.js/lib/histogram2dcontour';
import icicle from 'plotly.js/lib/icicle';
import image from 'plotly.js/lib/image';
import indicator from 'plotly.js/lib/indicator';
import isosurface from 'plotly.js/lib/isosurface';
import ohlc from 'plotly.js/lib/ohlc';
import parcats from 'plotly.js/lib/parcats';
import parcoords from 'plotly.js/lib/parcoords';
import sankey from 'plotly.js/lib/sankey';
import scattercarpet from 'plotly.js/lib/scattercarpet';
import scatterpolar from 'plotly.js/lib/scatterpolar';
import scatterternary from 'plotly.js/lib/scatterternary';
import streamtube from 'plotly.js/lib/streamtube';
import table from 'plotly.js/lib/table';
import treemap from 'plotly.js/lib/treemap';
import violin from 'plotly.js/lib/violin';
import volume from 'plotly.js/lib/volume';
import waterfall from 'plotly.js/lib/waterfall';

Plotly.register([
  barpolar, candlestick, carpet, cone, contourcarpet, funnel, funnelarea, histogram2d,
  histogram2dcontour, icicle, image, indicator, isosurface, ohlc, parcats, parcoords, sankey,
  scattercarpet, scatterpolar, scatterternary, streamtube, table, treemap, violin, volume,
  waterfall,
]); // prettier-ignore

export default Plotly;
