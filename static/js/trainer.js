// The training panel: update steps, training runs with their loss curve, the gradient check.
// The numbers come from the server (POST /api/train, /api/gradcheck); this module only shows them.

import { request } from "./api.js";
import { formatNumber } from "./format.js";
import { drawLossCurve, updateLines } from "./training.js";

/** The panel's behaviour, given the page's element lookup, its state, and its playback actions. */
export function createTrainer({ $, state, runProgram, go, stop, play }) {
  let updateWhenPlayed = false;

  /** The inputs that training changes: the ticked ones, or those the program wrote as param(...). */
  function trainedNames() {
    const scalars = (state.response?.inputs ?? []).filter((input) => !input.shape || input.shape.length === 0);
    if (state.train) return state.train.filter((name) => scalars.some((input) => input.name === name));
    return scalars.filter((input) => input.trainable).map((input) => input.name);
  }

  function trainRequest(steps) {
    state.lr = Number($("lr").value);
    state.momentum = Number($("momentum").value);
    return { source: $("source").value, values: state.values, trainable: trainedNames(), lr: state.lr,
      momentum: state.momentum, steps, zero_grad: $("zero-grad").checked };
  }

  function trainStatus(text) {
    $("train-status").textContent = text;
  }


  /** One step of gradient descent: play the forward and backward passes to the end (at the chosen speed),
   * then show each update and feed the new values into the next forward pass. */
  async function updateStep() {
    if (!trainedNames().length) { trainStatus("Tick an input to train, or write it as w = param(0.5)."); return; }
    if (state.position < state.response.trace.steps.length) {
      updateWhenPlayed = true;
      trainStatus("Forward, then backward…");
      play();
      return;
    }
    await applyUpdate();
  }

  async function applyUpdate() {
    updateWhenPlayed = false;
    stop();
    try {
      const result = await request("/api/train", trainRequest(1));
      $("updates").textContent = updateLines(result, state.lr, state.momentum).join("\n");
      trainStatus(result.stopped ? `Stopped: ${result.stopped}.` : `Loss before the update: ${formatLoss(result.losses[0])}.`);
      Object.assign(state.values, result.final);
      await runProgram();
    } catch (error) {
      trainStatus(`Training could not run: ${error.message}`);
    }
  }

  function formatLoss(loss) {
    return typeof loss === "number" ? formatNumber(loss) : loss;
  }

  /** Many steps on the server; then the loss curve, and a scrubber back through every step. */
  async function trainSteps() {
    if (!trainedNames().length) { trainStatus("Tick an input to train, or write it as w = param(0.5)."); return; }
    stop();
    try {
      const result = await request("/api/train", trainRequest(Number($("train-steps").value)));
      state.training = result;
      const last = result.steps - 1;
      const frames = result.recorded.length - 1;  // the scrubber moves over the recorded steps
      $("loss-curve").removeAttribute("hidden");  // an SVG element has no .hidden property
      $("train-scrub").hidden = false;
      $("train-scrub").max = String(frames);
      $("train-scrub").value = String(frames);
      drawLossCurve($("loss-curve"), result.losses, last);
      const end = result.stopped ? ` Stopped: ${result.stopped}${result.flagged ? ` (node ${result.flagged})` : ""}.` : "";
      trainStatus(`${result.steps} steps: loss ${formatLoss(result.losses[0])} → ${formatLoss(result.losses[last])}.${end}`);
      await showTrainingStep(frames);
    } catch (error) {
      trainStatus(`Training could not run: ${error.message}`);
    }
  }

  /** The graph as it was before the k-th recorded training step. */
  async function showTrainingStep(k) {
    const result = state.training;
    for (const name of Object.keys(result.params)) state.values[name] = result.params[name][k];
    drawLossCurve($("loss-curve"), result.losses, result.recorded[k]);
    await runProgram({ keepPosition: true });
    go(state.response.trace.steps.length);  // show that step's values and gradients
  }

  async function gradientCheck() {
    try {
      const rows = await request("/api/gradcheck", { source: $("source").value, values: state.values });
      const body = $("gradcheck-table").querySelector("tbody");
      body.replaceChildren(...rows.map((row) => {
        const tr = document.createElement("tr");
        const error = row.relative_error === null ? "—" : row.relative_error.toExponential(1);
        for (const text of [row.name, formatLoss(row.autograd), formatLoss(row.numeric), error]) {
          tr.appendChild(Object.assign(document.createElement("td"), { textContent: text }));
        }
        return tr;
      }));
      $("gradcheck-table").hidden = false;
    } catch (error) {
      trainStatus(`The gradient check could not run: ${error.message}`);
    }
  }

  /** A preset's suggested training settings (learning rate, steps, zero_grad) into the controls. */
  function applyTrainSettings(settings) {
    $("summary").textContent = $("preset").selectedOptions[0]?.dataset.summary ?? "";
    $("lr").value = String(state.lr ?? settings.lr ?? 0.1);
    $("momentum").value = String(state.momentum ?? settings.momentum ?? 0);
    $("train-steps").value = String(settings.steps ?? 50);
    $("zero-grad").checked = settings.zero_grad !== false;
    $("updates").textContent = "";
    $("loss-curve").setAttribute("hidden", "");
    $("train-scrub").hidden = true;
    $("gradcheck-table").hidden = true;
    trainStatus("");
  }

  return {
    trainedNames, updateStep, trainSteps, showTrainingStep, gradientCheck, applyTrainSettings,
    /** Playback reached the end: if an update step was waiting for it, apply it now. */
    reachedEnd: () => { if (updateWhenPlayed) applyUpdate(); },
    cancelUpdate: () => { updateWhenPlayed = false; },
  };
}
