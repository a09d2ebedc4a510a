// Progressive enhancement only: every page works without JavaScript. Kept out of the page so a strict CSP holds.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
