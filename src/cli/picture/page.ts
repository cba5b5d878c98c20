// `sett info --html`: one self-contained page (no external file, no network) holding the SVG of
// drawTree and a panel that shows the details of the table, WAL, value-log file or level under
// the pointer. The page is also well-formed XML (XHTML syntax, a script free of `<` and `&`), so
// the test that checks the SVG checks the page with the same parser.

import { escapeXml } from './svg.js';

const PAGE_STYLE = `body{font-family:system-ui,sans-serif;margin:16px;color:#222}
#detail{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;white-space:pre-wrap;min-height:3em;padding:8px;background:#f6f6f6;border:1px solid #ddd;max-width:968px}
svg{display:block;max-width:100%;height:auto}`;

// Shows the hovered element's <title> in the panel (the tooltip alone is slow and easy to miss).
const PAGE_SCRIPT = `(function () {
  var detail = document.getElementById('detail');
  var idle = detail.textContent;
  document.querySelectorAll('[data-kind]').forEach(function (node) {
    node.addEventListener('mouseenter', function () {
      var t = node.querySelector('title');
      detail.textContent = t === null ? '' : t.textContent.split(' · ').join('\\n');
    });
    node.addEventListener('mouseleave', function () { detail.textContent = idle; });
  });
})();`;

export function pageOf(svg: string, heading: string): string {
  if (/[<&]/.test(PAGE_SCRIPT)) throw new Error('page script must not hold < or & (the page is also XML)');
  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>${escapeXml(heading)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${svg.trimEnd()}
<div id="detail">Point at a table, WAL, value-log file or level size for its details.</div>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
