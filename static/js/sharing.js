// Sharing the current frame: a short link, and exports (SVG, PNG, a self-contained HTML player, the trace as
// JSON, the formula as LaTeX).

import { createLink } from "./api.js";
import { download, htmlExport, pngBlob, svgDocument } from "./export.js";
import { encode } from "./state.js";
import { stepTex } from "./stepmath.js";
import { frameAt } from "./timeline.js";

/** The Share and Export buttons' actions, as entries of the page's action table ({ id, run }). */
export function sharingActions({ $, state, setStatus }) {
  async function share() {
    try {
      // the program itself and, while it is the example's, the example's name (its summary and tour)
      const link = await createLink(encode({ ...state, source: $("source").value }));
      const url = new URL(link.url, location.href).href;
      $("share-link").value = url;
      $("share-box").hidden = false;
      $("share-link").select();
      await navigator.clipboard?.writeText(url).catch(() => {});
      setStatus("Link ready: copy it from the box.");
    } catch (error) {
      setStatus(`The link could not be made: ${error.message}`);
    }
  }

  async function copyLatex() {
    const frame = frameAt(state.response.trace, state.position);
    const tex = frame.current ? stepTex(state.response.trace, frame.current, frame) : "";
    $("latex").value = tex;
    $("latex-box").hidden = false;
    $("latex").select();
    await navigator.clipboard?.writeText(tex).catch(() => {});
  }

  /** One HTML file that plays this program's whole animation offline: for a course page or an LMS. */
  async function exportHtml() {
    const { source, inputs } = state.response;
    const body = { source, values: Object.fromEntries(inputs.map((input) => [input.name, input.value])) };
    if (state.folded !== null) body.folded = state.folded;
    if (state.preset) body.preset = state.preset;
    try {
      setStatus("Making the HTML file…");
      const { blob, filename } = await htmlExport(body);
      download(blob, filename);
      setStatus(`${filename} is ready: it plays offline in any browser.`);
    } catch (error) {
      setStatus(`The HTML file could not be made: ${error.message}`);
    }
  }

  return [
    { id: "share", run: share },
    { id: "export-html", run: exportHtml },
    { id: "export-svg", run: () => download(svgDocument($("graph")), "backprop-lab.svg", "image/svg+xml") },
    { id: "export-png", run: async () => download(await pngBlob(svgDocument($("graph"))), "backprop-lab.png") },
    { id: "export-json",
      run: () => download(JSON.stringify(state.response.trace, null, 1), "backprop-lab-trace.json", "application/json") },
    { id: "copy-latex", run: copyLatex },
  ];
}
