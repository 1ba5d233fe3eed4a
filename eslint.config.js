// ESLint's flat config: the page modules in static/js (browser) and their tests in tests/js (node --test).
import js from "@eslint/js";
import globals from "globals";

const modules = { ecmaVersion: "latest", sourceType: "module" };

export default [
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-shadow": "error",
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
    },
  },
  { files: ["static/js/**/*.js"], languageOptions: { ...modules, globals: globals.browser } },
  { files: ["tests/js/**/*.js", "eslint.config.js"], languageOptions: { ...modules, globals: globals.node } },
];
