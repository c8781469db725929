// The test helpers for ES modules: the same functions as testing.cjs.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const { startPayterm, runScenarios } = require("./testing.cjs");
