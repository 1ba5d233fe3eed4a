// Exports of the current frame: SVG and PNG pictures, the trace as JSON, the formula as LaTeX; and the whole
// animation as one HTML file that plays offline.

import { ApiError } from "./api.js";

const STYLED = ["fill", "stroke", "stroke-width", "stroke-dasharray", "font-family", "font-size", "font-weight",
  "opacity"];

/** The graph as a standalone SVG document: computed styles written onto each element. */
export function svgDocument(svg) {
  const copy = svg.cloneNode(true);
  const originals = svg.querySelectorAll("*");
  copy.querySelectorAll("*").forEach((element, index) => {
    const style = getComputedStyle(originals[index]);
    element.setAttribute("style", STYLED.map((name) => `${name}:${style.getPropertyValue(name)}`).join(";"));
  });
  const [, , width, height] = (svg.getAttribute("viewBox") ?? "0 0 800 600").split(" ").map(Number);
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  copy.removeAttribute("role");
  const background = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  const [x, y] = (svg.getAttribute("viewBox") ?? "0 0").split(" ").map(Number);
  Object.entries({ x, y, width, height, fill: getComputedStyle(document.body).backgroundColor })
    .forEach(([key, value]) => background.setAttribute(key, String(value)));
  copy.insertBefore(background, copy.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** The SVG drawn onto a canvas at twice its size, as a PNG blob. */
export function pngBlob(svgText) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = image.width * 2;
      canvas.height = image.height * 2;
      const context = canvas.getContext("2d");
      context.scale(2, 2);
      context.drawImage(image, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the picture could not be made"))), "image/png");
    };
    image.onerror = () => reject(new Error("the picture could not be drawn"));
    image.src = url;
  });
}

/** Offer a blob or text to the browser as a download. */
export function download(content, filename, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** POST /api/export.html: the program's animation as one self-contained HTML file. `body` is what POST
 * /api/trace takes ({ source, values, folded, preset }). Resolves to { blob, filename } (the name the
 * server chose: backprop-<preset or "program">.html); rejects with an ApiError, with the program's line
 * and column for a program that cannot run, as api.js's requests do. */
export async function htmlExport(body, { signal } = {}) {
  let response;
  try {
    response = await fetch("/api/export.html", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify(body), signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError({ kind: "network", message: "the server cannot be reached" });
  }
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new ApiError({ status: response.status, message: `the server answered ${response.status}`, ...data?.error });
  }
  const blob = await response.blob();
  return { blob, filename: attachmentName(response.headers.get("content-disposition")) };
}

/** The file name a Content-Disposition header gives, or a plain one. */
function attachmentName(disposition) {
  const match = /filename="([^"]+)"/.exec(disposition ?? "");
  return match ? match[1] : "backprop-program.html";
}
