// Copies GOV.UK Frontend's images, manifest and JavaScript next to our compiled CSS (static/build/).
// Fonts are left out on purpose: the service is not on gov.uk, so it uses Arial, not GDS Transport.
import { cpSync, mkdirSync } from "node:fs";

const dist = "node_modules/govuk-frontend/dist/govuk";
mkdirSync("static/build/assets", { recursive: true });
cpSync(`${dist}/assets/images`, "static/build/assets/images", { recursive: true });
cpSync(`${dist}/assets/manifest.json`, "static/build/assets/manifest.json");
cpSync(`${dist}/govuk-frontend.min.js`, "static/build/govuk-frontend.min.js");
