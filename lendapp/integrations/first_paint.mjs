// Rewrite each prerendered page of the production build so that it paints before any script loads.
//
// Usage (run from the frontend folder, whose node_modules contains beasties):
//   node first_paint.mjs STATIC_DIR [APPEARANCE]
// APPEARANCE is the app's fixed color mode ("light" or "dark"). Leave it out when the color mode
// follows the system.
//
// Reflex 0.10.1 pages carry the whole Radix Themes stylesheet (about 700 KB, 83 KB gzipped)
// as a render-blocking link and preload every hydration module in <head>. On a phone with
// a slow connection the text of the prerendered page waits for all of it. For each page this
// script:
//   0. drops the stylesheet's :root:has() selectors and its local()-only @font-face rules,
//      which add nothing in lendapp but make Chromium restyle or re-lay out the page
//      (stylesheets.mjs says why);
//   1. inlines the CSS rules that match the page's own elements (beasties, then an exact
//      re-check in stylesheets.mjs), without the theme tokens nothing on the page reads, and
//      loads the full stylesheet without blocking rendering (media="print" switched to "all"
//      on load);
//   2. drops the separate preload of that stylesheet, which would compete with the page;
//   3. starts the modules (the same preloads and the same bootstrap module) after the first
//      frame, or after START_TIMEOUT_MS when the tab is in the background and gets no frames.
//   4. gives the root theme element the appearance class that Reflex's color mode provider adds
//      after hydration, so that adding it changes no style.
// Pages that do not look like React Router's output are left as they are and counted.
// Files with the same content (Reflex copies route/index.html to route.html) are rewritten once.
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { pruneStylesheet, refineCriticalCss } from "./stylesheets.mjs";

const require = createRequire(path.join(process.cwd(), "package.json"));
const Beasties = require("beasties");

const START_TIMEOUT_MS = 1000;
const PRELOADS_PER_TASK = 1;
const STYLE_PRELOAD = /<link as="style" href="[^"]+\.css" rel="preload"\/?>/g;
const MODULE_PRELOAD = /<link rel="modulepreload" href="([^"]+)"\/?>/g;
const BOOTSTRAP_MODULE = /<script type="module" async="">([\s\S]*?)<\/script>/;

// JSON text is also a JavaScript literal. Escaping "<" keeps a "</script>" inside it from
// closing the surrounding element.
function scriptLiteral(value) {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function deferModules(html) {
  const bootstrap = html.match(BOOTSTRAP_MODULE);
  if (!bootstrap) {
    return null;
  }
  const modules = [...html.matchAll(MODULE_PRELOAD)].map((match) => match[1]);
  // Each request start costs the main thread several milliseconds, so the preloads are added
  // PRELOADS_PER_TASK at a time with a task boundary in between. Adding all 38 of the home
  // page in one task blocked input for 180 ms in a Lighthouse trace on a 2-core machine.
  const starter =
    "<script>(function(){var started=false;" +
    `var modules=${scriptLiteral(modules)};` +
    "function preload(index){" +
    `modules.slice(index,index+${PRELOADS_PER_TASK}).forEach(function(href){` +
    'var link=document.createElement("link");link.rel="modulepreload";link.href=href;document.head.appendChild(link)});' +
    `if(index+${PRELOADS_PER_TASK}<modules.length){setTimeout(preload,0,index+${PRELOADS_PER_TASK});return}` +
    'var script=document.createElement("script");script.type="module";' +
    `script.textContent=${scriptLiteral(bootstrap[1])};document.body.appendChild(script)}` +
    "function start(){if(started)return;started=true;preload(0)}" +
    "requestAnimationFrame(function(){setTimeout(start,0)});" +
    `setTimeout(start,${START_TIMEOUT_MS})})()</script>`;
  return html.replace(MODULE_PRELOAD, "").replace(BOOTSTRAP_MODULE, () => starter);
}

async function filesEndingWith(directory, suffix) {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

// Reflex's color mode provider adds the resolved appearance class to the root theme element in an
// effect after hydration. Radix Themes declares all 837 color tokens again on ".light" and
// ".dark", so the late class made Chromium restyle the whole page (511 elements, 9 ms in a trace
// of the home page). With the class already in the HTML, the provider's change leaves every
// computed style as it was. React 19 keeps the extra class when it hydrates.
const ROOT_THEME_CLASS = /(<div data-is-root-theme="true"[^>]*? class=")([^"]*)(")/;

function markRootAppearance(html, appearance) {
  if (!appearance) {
    return html;
  }
  return html.replace(ROOT_THEME_CLASS, (whole, start, classes, end) =>
    classes.split(/\s+/).includes(appearance) ? whole : `${start}${classes} ${appearance}${end}`,
  );
}

async function main() {
  const [staticDir, appearance] = process.argv.slice(2);
  if (!staticDir || (appearance && !["light", "dark"].includes(appearance))) {
    console.error("usage: first_paint.mjs STATIC_DIR [light|dark]");
    process.exit(2);
  }
  const beasties = new Beasties({
    path: staticDir,
    publicPath: "/",
    preload: "media",
    noscriptFallback: true,
    // Emotion's inline <style> tags belong to components that may render later, so keep them whole.
    reduceInlineStyles: false,
    // A @font-face rule in the inline CSS would make the first paint wait for the font lookup.
    fonts: false,
    // beasties 0.3.5 strips pseudo-classes greedily before matching, so ":where(.radix-themes)"
    // (where Radix keeps its theme tokens) and ":where(.rt-Link) .rt-Code" come out empty and
    // would be dropped. Keep every selector that starts with :where()/:is() or is a bare
    // pseudo-element here; refineCriticalCss then drops those that match nothing.
    allowRules: [/^:(?:where|is)\(/, /^::?[a-z-]+$/],
    logLevel: "warn",
  });
  const dropped = { rootHasSelectors: 0, localFontFaces: 0 };
  for (const file of await filesEndingWith(staticDir, ".css")) {
    const fromFile = await pruneStylesheet(file);
    dropped.rootHasSelectors += fromFile.rootHasSelectors;
    dropped.localFontFaces += fromFile.localFontFaces;
  }
  const rewritten = new Map();
  let skipped = 0;
  for (const file of await filesEndingWith(staticDir, ".html")) {
    const original = await readFile(file, "utf8");
    const key = createHash("sha256").update(original).digest("hex");
    if (!rewritten.has(key)) {
      const deferred = deferModules(original.replace(STYLE_PRELOAD, ""));
      if (deferred === null) {
        skipped += 1;
        rewritten.set(key, original);
      } else {
        // The class goes in first, so that the critical CSS is chosen for the page as hydrated.
        const page = markRootAppearance(deferred, appearance);
        rewritten.set(key, refineCriticalCss(await beasties.process(page)));
      }
    }
    await writeFile(file, rewritten.get(key));
  }
  console.log(
    `first paint: ${rewritten.size - skipped} distinct pages rewritten, ${skipped} left as built, ` +
      `${dropped.rootHasSelectors} :root:has() selectors and ${dropped.localFontFaces} local() font faces dropped`,
  );
}

await main();
