// The 3-D trace types Visdom makes (scatter3d, surf, mesh): a chunk of its own, loaded only
// when an env has a 3-D plot.
import Plotly from './plotly2d';
import mesh3d from 'plotly.js/lib/mesh3d';
import scatter3d from 'plotly.js/lib/scatter3d';
import surface from 'plotly.js/lib/surface';

Plotly.register([mesh3d, scatter3d, surface]);

export default Plotly;
