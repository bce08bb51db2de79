// WebGL 2-D scatter (`scattergl`, Visdom's `opts.webgl`): a chunk of its own, loaded on demand.
import Plotly from './plotly2d';
import scattergl from 'plotly.js/lib/scattergl';

Plotly.register([scattergl]);

export default Plotly;
