// The notebook widget's module (anywidget): the standalone player, with the layout made in the browser when needed.
//
// Python sends the response the lab's page draws (trait `response`). Its `layout` is dot's when the kernel's
// machine has Graphviz; else it is a request {dot, ids, key}: Graphviz compiled to WebAssembly lays it out
// here, and the result goes back to Python (trait `browser_layout`) so that an HTML export can use it.

import { Graphviz } from "@hpcc-js/wasm-graphviz";
import graphCss from "../css/graph.css";  // text (esbuild's css=text loader): the bundle carries its styles
import playerCss from "../css/player.css";
import { layOut } from "./layout-wasm.js";
import { mount } from "./player.js";

let graphviz = null;  // one WebAssembly instance per page, loaded when a widget first needs it
const STYLE_ID = "backprop-widget-styles";

/**
 * Add the graph's rules and the player's stylesheet to the page (as an HTML export inlines them), once
 * however many widgets it shows. They ship inside the bundle, so an installed package needs no static/.
 */
function addStyles() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = `${graphCss}\n${playerCss}`;
  document.head.append(style);
}

/** The response with a finished layout: as sent, or laid out here and reported back to the kernel. */
async function laidOut(model) {
  const response = model.get("response");
  if (!response.layout?.dot) return response;
  const sent = model.get("browser_layout");
  if (sent?.key === response.layout.key) return { ...response, layout: sent };  // a second view of one widget
  graphviz ??= Graphviz.load();
  const layout = layOut(await graphviz, response.layout);
  model.set("browser_layout", layout);
  model.save_changes();
  return { ...response, layout };
}

/** The notebook's theme, where the front end says it: JupyterLab's body data attribute, VS Code's class. */
function notebookTheme() {
  const body = document.body;
  if (body.dataset.jpThemeLight === "false" || body.classList.contains("vscode-dark")) return "dark";
  if (body.dataset.jpThemeLight === "true" || body.classList.contains("vscode-light")) return "light";
  return undefined;  // the player follows prefers-color-scheme
}

/** Say in the output cell why the graph cannot be drawn, rather than leaving it empty. */
function showError(el, error) {
  const message = document.createElement("p");
  message.className = "bp-widget-error";
  message.textContent = `Backprop Lab could not draw this graph: ${error?.message ?? error}`;
  el.replaceChildren(message);
}

export default {
  async render({ model, el }) {
    addStyles();
    let player = null;
    async function draw() {
      player?.destroy();
      player = null;
      const { height, ...options } = model.get("player_options");
      if (height) el.style.setProperty("--bp-graph-height", `${height}px`);
      try {
        player = mount(el, await laidOut(model), { theme: notebookTheme(), ...options });
      } catch (error) {
        showError(el, error);
      }
    }
    model.on("change:response", draw);
    await draw();
    return () => {
      model.off("change:response", draw);
      player?.destroy();
    };
  },
};
