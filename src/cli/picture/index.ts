// The picture of a database's tree (`sett info --svg/--html`): pure functions from what `sett
// info` collects to an SVG document or an HTML page holding it.

export { drawTree, type TreeInfo, type TreeOptions, type TargetOptions } from './tree.js';
export { pageOf } from './page.js';
export { keyAxis, type KeyAxis, type KeyRange } from './key-axis.js';
export { escapeXml } from './svg.js';
